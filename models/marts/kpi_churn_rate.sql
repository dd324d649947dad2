with

mrr_by_month as (
    select * from {{ ref('int_mrr_by_month') }}
),

final as (
    select
        month,
        cast(customers_at_start as integer) as customers_at_start,
        cast(churned_customers as integer) as churned_customers,
        {{ safe_ratio('churned_customers', 'customers_at_start') }} as logo_churn_rate,
        {{ safe_ratio('-(churned_mrr + contraction_mrr)', 'starting_mrr') }}
            as gross_mrr_churn_rate,
        {{ safe_ratio(
            '-(churned_mrr + contraction_mrr) - expansion_mrr - reactivation_mrr',
            'starting_mrr'
        ) }} as net_mrr_churn_rate
    from mrr_by_month
)

select * from final
