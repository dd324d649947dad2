-- MRR retention. The 12-month NRR follows the customers paying a year before: their MRR then
-- and now, summed per month by int_mrr_by_month from each customer-month's MRR a year earlier.
with

mrr_by_month as (
    select * from {{ ref('int_mrr_by_month') }}
),

with_base as (
    select
        mrr_by_month.*,
        year_before.month is not null as has_month_12_before
    from mrr_by_month
    left join mrr_by_month as year_before
        on year_before.month = {{ add_months(-12, 'mrr_by_month.month') }}
),

final as (
    select
        month,
        1 - {{ safe_ratio('churned_customers', 'customers_at_start') }} as logo_retention_rate,
        {{ safe_ratio('starting_mrr + churned_mrr + contraction_mrr', 'starting_mrr') }}
            as gross_revenue_retention,
        {{ safe_ratio(
            'starting_mrr + churned_mrr + contraction_mrr + expansion_mrr', 'starting_mrr'
        ) }} as net_revenue_retention,
        case
            when has_month_12_before
                then {{ safe_ratio(
                    'coalesce(payers_12m_before_mrr_now, 0)', 'payers_12m_before_mrr_then'
                ) }}
        end as net_revenue_retention_12m
    from with_base
)

select * from final
