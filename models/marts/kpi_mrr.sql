with

mrr_by_month as (
    select * from {{ ref('int_mrr_by_month') }}
),

final as (
    select
        month,
        {{ money('starting_mrr') }} as starting_mrr,
        {{ money('new_mrr') }} as new_mrr,
        {{ money('expansion_mrr') }} as expansion_mrr,
        {{ money('reactivation_mrr') }} as reactivation_mrr,
        {{ money('contraction_mrr') }} as contraction_mrr,
        {{ money('churned_mrr') }} as churned_mrr,
        {{ money('net_new_mrr') }} as net_new_mrr,
        {{ money('ending_mrr') }} as ending_mrr,
        cast(paying_customers as integer) as paying_customers,
        cast(new_customers as integer) as new_customers,
        cast(reactivated_customers as integer) as reactivated_customers,
        cast(churned_customers as integer) as churned_customers,
        {{ safe_ratio(
            'new_mrr + expansion_mrr + reactivation_mrr',
            '-(contraction_mrr + churned_mrr)'
        ) }} as quick_ratio
    from mrr_by_month
)

select * from final
