-- Source adapter: the contract's raw `invoices`, selected, renamed and parsed
-- into canonical columns, and nothing else. The staging skeleton (base_billing__invoices)
-- versions, checks and fates each row.
with

source as (
    select
        *,
        {{ raw_row_number() }} as raw_row_number
    from {{ raw_table('raw_billing', 'invoices') }}
),

typed as (
    select
        {{ clean_text('invoice_id') }} as invoice_id,
        {{ clean_text('customer_id') }} as customer_id,
        {{ clean_text('subscription_id') }} as subscription_id,
        lower({{ clean_text('status') }}) as status,
        lower({{ clean_text('billing_reason') }}) as billing_reason,
        {{ parse_currency('currency') }} as currency,
        {{ parse_timestamp('created_at') }} as created_at,
        {{ parse_timestamp('period_start') }} as period_start_at,
        {{ parse_timestamp('period_end') }} as period_end_at,
        {{ parse_integer('subtotal') }} as subtotal_minor,
        {{ parse_integer('discount_total') }} as discount_total_minor,
        {{ parse_integer('tax') }} as tax_minor,
        {{ parse_integer('total') }} as total_minor,
        {{ parse_integer('amount_paid') }} as amount_paid_minor,
        {{ parse_timestamp('paid_at') }} as paid_at,
        {{ adapter_tracking_columns(
            unparseable=first_unparseable_column({
                'created_at': 'timestamp',
                'period_start': 'timestamp',
                'period_end': 'timestamp',
                'subtotal': 'integer',
                'discount_total': 'integer',
                'tax': 'integer',
                'total': 'integer',
                'amount_paid': 'integer',
                'paid_at': 'timestamp',
            }),
        ) }}
    from source
)

select * from typed
