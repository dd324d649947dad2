with

fx_rates as (
    select * from {{ ref('base_finance__fx_rates') }}
),

staged as (
    select
        {{ dbt.concat(["currency", "'|'", dbt.safe_cast("rate_date", dbt.type_string())]) }}
            as fx_rate_id,
        currency,
        rate_date,
        rate_to_usd,
        fate_computed_at
    from fx_rates
    where row_status = 'staged'
)

select * from staged
