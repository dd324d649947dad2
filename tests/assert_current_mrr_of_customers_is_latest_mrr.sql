-- The customers' current MRR adds up to the MRR of the as-of month, and so does the count of
-- paying customers.
with

customers as (
    select * from {{ ref('dim_customers') }}
),

mrr as (
    select * from {{ ref('kpi_mrr') }}
),

reporting_period as (
    select * from {{ ref('int_reporting_period') }}
),

customer_totals as (
    select
        count(*) as customer_rows,
        sum(current_mrr) as current_mrr,
        sum(case when is_paying then 1 else 0 end) as paying_customers
    from customers
)

select
    mrr.ending_mrr,
    customer_totals.current_mrr,
    mrr.paying_customers,
    customer_totals.paying_customers as customers_paying
from mrr
inner join reporting_period
    on mrr.month = reporting_period.as_of_month
cross join customer_totals
where
    abs(mrr.ending_mrr - customer_totals.current_mrr) > 0.005 * customer_totals.customer_rows
    or mrr.paying_customers <> customer_totals.paying_customers
