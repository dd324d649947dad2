-- The MRR bridge of every month, unrounded: the revenue marts round at output from here, so
-- every mart shows the same underlying number.
with

customer_mrr as (
    select * from {{ ref('int_customer_mrr_by_month') }}
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
        sum(case when movement = 'churn' then 1 else 0 end) as churned_customers
    from customer_mrr
    group by month
)

select * from final
