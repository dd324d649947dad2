-- Each month starts where the month before ended: starting MRR(M) = ending MRR(M-1) and
-- customers at start(M) = paying customers(M-1); the first month starts from zero.
with

mrr as (
    select * from {{ ref('kpi_mrr') }}
),

churn as (
    select * from {{ ref('kpi_churn_rate') }}
),

linked as (
    select
        mrr.month,
        mrr.starting_mrr,
        previous_month.ending_mrr as previous_ending_mrr,
        churn.customers_at_start,
        previous_month.paying_customers as previous_paying_customers
    from mrr
    inner join churn
        on mrr.month = churn.month
    left join mrr as previous_month
        on previous_month.month = {{ add_months(-1, 'mrr.month') }}
)

select *
from linked
where
    abs(starting_mrr - coalesce(previous_ending_mrr, 0)) > 0.01
    or customers_at_start <> coalesce(previous_paying_customers, 0)
