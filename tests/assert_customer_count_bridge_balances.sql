-- Paying customers follow the bridge: paying(M) = paying(M-1) + new + reactivated - churned.
with

mrr as (
    select * from {{ ref('kpi_mrr') }}
),

churn as (
    select * from {{ ref('kpi_churn_rate') }}
)

select
    mrr.month,
    mrr.paying_customers,
    churn.customers_at_start,
    mrr.new_customers,
    mrr.reactivated_customers,
    mrr.churned_customers
from mrr
inner join churn
    on mrr.month = churn.month
where
    mrr.paying_customers
    <> churn.customers_at_start + mrr.new_customers + mrr.reactivated_customers
    - mrr.churned_customers
    or mrr.churned_customers <> churn.churned_customers
