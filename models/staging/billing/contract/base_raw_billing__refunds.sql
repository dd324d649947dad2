-- Source adapter: the contract's raw `refunds`, selected, renamed and parsed
-- into canonical columns, and nothing else. The staging skeleton (base_billing__refunds)
-- versions, checks and fates each row.
with

source as (
    select
        *,
        {{ raw_row_number() }} as raw_row_number
    from {{ raw_table('raw_billing', 'refunds') }}
),

typed as (
    select
        {{ clean_text('refund_id') }} as refund_id,
        {{ clean_text('invoice_id') }} as invoice_id,
        {{ parse_integer('amount') }} as amount_minor,
        {{ parse_currency('currency') }} as currency,
        lower({{ clean_text('status') }}) as status,
        {{ parse_timestamp('created_at') }} as created_at,
        lower({{ clean_text('reason') }}) as reason,
        {{ adapter_tracking_columns(
            unparseable=first_unparseable_column({
                'amount': 'integer',
                'created_at': 'timestamp',
            }),
        ) }}
    from source
)

select * from typed
