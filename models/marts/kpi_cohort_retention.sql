with

customer_mrr as (
    select * from {{ ref('int_customer_mrr_by_month') }}
),

-- Every customer has a row for each month from its first paying month to the as-of month, so
-- grouping by cohort and month gives every cohort's every month.
cohort_months as (
    select
        first_paying_month as cohort_month,
        month,
        count(*) as cohort_customers,
        sum(case when is_paying then 1 else 0 end) as active_customers,
        sum(mrr) as mrr
    from customer_mrr
    group by first_paying_month, month
),

cohort_starts as (
    select
        cohort_month,
        mrr as cohort_starting_mrr
    from cohort_months
    where month = cohort_month
),

final as (
    select
        cohort_months.cohort_month,
        cast(
            {{ dbt.datediff('cohort_months.cohort_month', 'cohort_months.month', 'month') }}
            as integer
        ) as months_since_start,
        cast(cohort_months.cohort_customers as integer) as cohort_customers,
        {{ money('cohort_starts.cohort_starting_mrr') }} as cohort_starting_mrr,
        cast(cohort_months.active_customers as integer) as active_customers,
        {{ money('cohort_months.mrr') }} as mrr,
        {{ safe_ratio('cohort_months.active_customers', 'cohort_months.cohort_customers') }}
            as logo_retention_rate,
        {{ safe_ratio('cohort_months.mrr', 'cohort_starts.cohort_starting_mrr') }}
            as net_revenue_retention
    from cohort_months
    inner join cohort_starts
        on cohort_months.cohort_month = cohort_starts.cohort_month
)

select * from final
