-- No funnel, sales or acquisition mart reports a month after the as-of month.
with

reporting_period as (
    select * from {{ ref('int_reporting_period') }}
),

reported_months as (
    select cohort_month as month from {{ ref('kpi_funnel_conversion') }}
    union all
    select month from {{ ref('kpi_sales_cycle_length') }}
    union all
    select month from {{ ref('kpi_sales_velocity') }}
    union all
    select month from {{ ref('kpi_cac') }}
    union all
    select month from {{ ref('kpi_customer_lifetime_value') }}
)

select reported_months.month
from reported_months
cross join reporting_period
where reported_months.month > reporting_period.as_of_month
