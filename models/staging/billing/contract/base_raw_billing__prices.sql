-- Source adapter: the contract's raw `prices`, selected, renamed and parsed
-- into canonical columns, and nothing else. The staging skeleton (base_billing__prices)
-- versions, checks and fates each row.
with

source as (
    select
        *,
        {{ raw_row_number() }} as raw_row_number
    from {{ raw_table('raw_billing', 'prices') }}
),

typed as (
    select
        {{ clean_text('price_id') }} as price_id,
        {{ clean_text('product_id') }} as product_id,
        {{ clean_text('product_name') }} as product_name,
        {{ clean_text('nickname') }} as price_nickname,
        lower({{ clean_text('billing_interval') }}) as billing_interval,
        {{ parse_integer('interval_count') }} as interval_count,
        {{ parse_integer('unit_amount') }} as unit_amount_minor,
        {{ parse_currency('currency') }} as currency,
        {{ parse_boolean('is_active') }} as is_active,
        {{ adapter_tracking_columns(
            unparseable=first_unparseable_column({
                'interval_count': 'integer',
                'unit_amount': 'integer',
                'is_active': 'boolean',
            }),
        ) }}
    from source
)

select * from typed
