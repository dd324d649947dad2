with

prices as (
    select * from {{ ref('base_billing__prices') }}
),

staged as (
    select
        price_id,
        product_id,
        product_name,
        price_nickname,
        billing_interval,
        interval_count,
        unit_amount,
        currency,
        is_active,
        fate_computed_at
    from prices
    where row_status = 'staged'
)

select * from staged
