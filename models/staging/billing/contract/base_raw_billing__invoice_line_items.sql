-- Source adapter: the contract's raw `invoice_line_items`, selected, renamed and parsed
-- into canonical columns, and nothing else. The staging skeleton (base_billing__invoice_line_items)
-- versions, checks and fates each row.
with

source as (
    select
        *,
        {{ raw_row_number() }} as raw_row_number
    from {{ raw_table('raw_billing', 'invoice_line_items') }}
),

typed as (
    select
        {{ clean_text('line_item_id') }} as line_item_id,
        {{ clean_text('invoice_id') }} as invoice_id,
        {{ clean_text('subscription_id') }} as subscription_id,
        {{ clean_text('price_id') }} as price_id,
        lower({{ clean_text('line_type') }}) as line_type,
        coalesce({{ parse_boolean('is_proration') }}, false) as is_proration,
        {{ parse_integer('quantity') }} as quantity,
        {{ parse_integer('amount') }} as amount_minor,
        coalesce({{ parse_integer('discount_amount') }}, 0) as discount_amount_minor,
        {{ parse_timestamp('period_start') }} as period_start_at,
        {{ parse_timestamp('period_end') }} as period_end_at,
        {{ clean_text('description') }} as description,
        {{ adapter_tracking_columns(
            unparseable=first_unparseable_column({
                'is_proration': 'boolean',
                'quantity': 'integer',
                'amount': 'integer',
                'discount_amount': 'integer',
                'period_start': 'timestamp',
                'period_end': 'timestamp',
            }),
        ) }}
    from source
)

select * from typed
