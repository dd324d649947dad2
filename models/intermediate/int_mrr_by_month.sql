-- The MRR bridge of every month, unrounded: the revenue marts round at output from here, so
-- every mart shows the same underlying number.
-- Incremental like int_customer_mrr_by_month (macros/incremental.sql): a month is the sum of its
-- customer-months, so the recomputed months are summed again and the others kept.
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='recompute',
    recompute_column='month',
    on_schema_change='fail',
) }}
-- depends_on: {{ ref('int_reporting_period') }}

with

customer_mrr as (
    select * from {{ ref('int_customer_mrr_by_month') }}
    {% if is_incremental() %}
        where month >= {{ incremental_recompute_from() }}
    {% endif %}
),

final as (
    select
        month,
        sum(previous_mrr) as starting_mrr,
        sum(case when movement = 'new' then movement_mrr else 0 end) as new_mrr,
        sum(case when movement = 'expansion' then movement_mrr else 0 end) as expansion_mrr,
        sum(case when movement = 'reactivation' then movement_mrr else 0 end)
            as reactivation_mrr,
        sum(case when movement = 'contraction' then movement_mrr else 0 end)
            as contraction_mrr,
        sum(case when movement = 'churn' then movement_mrr else 0 end) as churned_mrr,
        sum(movement_mrr) as net_new_mrr,
        sum(mrr) as ending_mrr,
        sum(case when was_paying then 1 else 0 end) as customers_at_start,
        sum(case when is_paying then 1 else 0 end) as paying_customers,
        sum(case when movement = 'new' then 1 else 0 end) as new_customers,
        sum(case when movement = 'reactivation' then 1 else 0 end) as reactivated_customers,
        sum(case when movement = 'churn' then 1 else 0 end) as churned_customers,
        -- 12-month NRR's parts: the customers paying a year before, their MRR then and now.
        sum(case when mrr_12_months_before > 0 then mrr_12_months_before end)
            as payers_12m_before_mrr_then,
        sum(case when mrr_12_months_before > 0 then mrr end) as payers_12m_before_mrr_now
    from customer_mrr
    group by month
)

select * from final
