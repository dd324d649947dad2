-- Blended CAC: the spend is every marketing and sales expense of the month, the new customers
-- are kpi_mrr's new customers of the month.
with

cac as (
    select * from {{ ref('kpi_cac') }}
),

spend as (
    select * from {{ ref('int_acquisition_spend_by_month') }}
),

mrr as (
    select * from {{ ref('kpi_mrr') }}
),

monthly_spend as (
    select
        month,
        sum(acquisition_spend) as acquisition_spend
    from spend
    group by month
)

select
    cac.month,
    cac.acquisition_spend,
    monthly_spend.acquisition_spend as spend_of_month,
    cac.new_customers,
    mrr.new_customers as new_customers_of_month
from cac
left join monthly_spend
    on cac.month = monthly_spend.month
left join mrr
    on cac.month = mrr.month
where
    cac.channel = 'all'
    and (
        abs(cac.acquisition_spend - coalesce(monthly_spend.acquisition_spend, 0)) > 0.01
        or cac.new_customers <> coalesce(mrr.new_customers, 0)
    )
