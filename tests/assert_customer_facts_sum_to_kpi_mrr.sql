-- The per-customer facts add up to the KPI table month by month: counts exactly, money to the
-- cent (the fact's rounded amounts within half a cent per customer).
with

facts as (
    select * from {{ ref('fct_mrr_movements') }}
),

customer_mrr as (
    select * from {{ ref('int_customer_mrr_by_month') }}
),

mrr as (
    select * from {{ ref('kpi_mrr') }}
),

fact_totals as (
    select
        month,
        count(*) as customer_rows,
        sum(mrr) as ending_mrr,
        sum(previous_mrr) as starting_mrr,
        sum(case when movement = 'churn' then movement_mrr else 0 end) as churned_mrr,
        sum(case when is_paying then 1 else 0 end) as paying_customers,
        sum(case when movement = 'new' then 1 else 0 end) as new_customers,
        sum(case when movement = 'reactivation' then 1 else 0 end) as reactivated_customers,
        sum(case when movement = 'churn' then 1 else 0 end) as churned_customers
    from facts
    group by month
),

unrounded_totals as (
    select
        month,
        sum(mrr) as ending_mrr
    from customer_mrr
    group by month
)

select
    mrr.month,
    mrr.ending_mrr,
    fact_totals.ending_mrr as fact_ending_mrr,
    unrounded_totals.ending_mrr as unrounded_ending_mrr
from mrr
left join fact_totals
    on mrr.month = fact_totals.month
left join unrounded_totals
    on mrr.month = unrounded_totals.month
where
    fact_totals.month is null
    or abs(mrr.ending_mrr - fact_totals.ending_mrr) > 0.005 * fact_totals.customer_rows + 0.01
    or abs(mrr.starting_mrr - fact_totals.starting_mrr) > 0.005 * fact_totals.customer_rows + 0.01
    or abs(mrr.churned_mrr - fact_totals.churned_mrr) > 0.005 * fact_totals.customer_rows + 0.01
    or abs(mrr.ending_mrr - unrounded_totals.ending_mrr) > 0.005
    or mrr.paying_customers <> fact_totals.paying_customers
    or mrr.new_customers <> fact_totals.new_customers
    or mrr.reactivated_customers <> fact_totals.reactivated_customers
    or mrr.churned_customers <> fact_totals.churned_customers
