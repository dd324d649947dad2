-- Source adapter: Stripe's `price` (or the legacy `plan`, var stripe__using_price) as Fivetran
-- lands it, with its product's name, in canonical columns.
{%- set using_price = var('stripe__using_price') %}
{%- set table_name = 'price' if using_price else 'plan' %}
{%- set interval_column = 'recurring_interval' if using_price else 'interval' %}
{%- set interval_count_column = 'recurring_interval_count' if using_price else 'interval_count' %}
{%- set amount_column = 'unit_amount' if using_price else 'amount' %}
with

source as (
    select * from {{ fivetran_rows('stripe', table_name) }}
),

products as (
    select
        {{ clean_text('id') }} as product_id,
        {{ clean_text('name') }} as product_name
    from {{ fivetran_latest('stripe', 'product') }}
),

typed as (
    select
        {{ clean_text('source.id') }} as price_id,
        {{ clean_text('source.product_id') }} as product_id,
        products.product_name,
        {{ clean_text('source.nickname') }} as price_nickname,
        lower({{ clean_text('source.' ~ interval_column) }}) as billing_interval,
        {{ parse_integer('source.' ~ interval_count_column) }} as interval_count,
        {{ parse_integer('source.' ~ amount_column) }} as unit_amount_minor,
        {{ parse_currency('source.currency') }} as currency,
        {{ parse_boolean('source.active') }} as is_active,
        {{ adapter_tracking_columns(
            raw_row_number='source.raw_row_number',
            unparseable=first_unparseable_column({
                'source.' ~ interval_count_column: 'integer',
                'source.' ~ amount_column: 'integer',
                'source.active': 'boolean',
                'source.livemode': 'boolean',
                'source._fivetran_synced': 'timestamp',
            }),
            is_livemode=parse_boolean('source.livemode'),
            is_source_deleted=fivetran_is_deleted(['source.is_deleted', 'source._fivetran_deleted']),
        ) }}
    from source
    left join products
        on {{ clean_text('source.product_id') }} = products.product_id
)

select * from typed
