with

deals as (
    select * from {{ ref('int_deals_enriched') }}
),

reporting_period as (
    select * from {{ ref('int_reporting_period') }}
),

won_deals as (
    select
        deals.closed_month as month,
        deals.pipeline,
        deals.sales_cycle_days
    from deals
    cross join reporting_period
    where deals.is_won and deals.closed_month <= reporting_period.as_of_month
),

-- Every pipeline, and `all` for the company as a whole.
won_deals_by_pipeline as (
    select * from won_deals
    union all
    select
        month,
        'all' as pipeline,
        sales_cycle_days
    from won_deals
),

final as (
    select
        month,
        pipeline,
        cast(count(*) as integer) as won_deals,
        avg(sales_cycle_days) as avg_sales_cycle_days,
        cast({{ median('sales_cycle_days') }} as {{ type_double() }}) as median_sales_cycle_days
    from won_deals_by_pipeline
    group by month, pipeline
)

select * from final
