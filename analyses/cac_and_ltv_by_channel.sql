-- CAC and the value of the customers each channel brought over the last 12 months: spend, new
-- customers, CAC, and the current MRR and lifetime billed revenue of those customers.
with

cac as (
    select * from {{ ref('kpi_cac') }}
),

customers as (
    select * from {{ ref('dim_customers') }}
),

lifetime_value as (
    select * from {{ ref('kpi_customer_lifetime_value') }}
),

reporting_period as (
    select * from {{ ref('int_reporting_period') }}
),

channel_spend as (
    select
        cac.channel,
        sum(cac.acquisition_spend) as acquisition_spend,
        sum(cac.new_customers) as new_customers
    from cac
    cross join reporting_period
    where cac.month > {{ add_months(-12, 'reporting_period.as_of_month') }}
    group by cac.channel
),

channel_customers as (
    select
        customers.first_touch_channel as channel,
        count(*) as customers,
        sum(customers.current_mrr) as current_mrr,
        sum(customers.lifetime_billed_revenue) as lifetime_billed_revenue
    from customers
    cross join reporting_period
    where customers.first_paying_month > {{ add_months(-12, 'reporting_period.as_of_month') }}
    group by customers.first_touch_channel
),

latest_ltv as (
    select lifetime_value.ltv
    from lifetime_value
    inner join reporting_period
        on lifetime_value.month = reporting_period.as_of_month
)

select
    channel_spend.channel,
    channel_spend.acquisition_spend,
    channel_spend.new_customers,
    {{ safe_ratio('channel_spend.acquisition_spend', 'channel_spend.new_customers') }} as cac,
    channel_customers.current_mrr,
    channel_customers.lifetime_billed_revenue,
    latest_ltv.ltv as company_ltv
from channel_spend
left join channel_customers
    on channel_spend.channel = channel_customers.channel
cross join latest_ltv
order by channel_spend.acquisition_spend desc
