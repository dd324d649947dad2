with

mrr_by_month as (
    select * from {{ ref('int_mrr_by_month') }}
),

customer_mrr as (
    select * from {{ ref('int_customer_mrr_by_month') }}
),

-- MRR now of the customers who were paying 12 months earlier, against their MRR then.
retained_12m as (
    select
        customer_mrr.month,
        sum(customer_mrr.mrr) as mrr_now,
        sum(year_before.mrr) as mrr_year_before
    from customer_mrr
    inner join customer_mrr as year_before
        on
            customer_mrr.customer_id = year_before.customer_id
            and year_before.month = {{ add_months(-12, 'customer_mrr.month') }}
    where year_before.is_paying
    group by customer_mrr.month
),

with_base as (
    select
        mrr_by_month.*,
        year_before.month is not null as has_month_12_before,
        retained_12m.mrr_now,
        retained_12m.mrr_year_before
    from mrr_by_month
    left join mrr_by_month as year_before
        on year_before.month = {{ add_months(-12, 'mrr_by_month.month') }}
    left join retained_12m
        on mrr_by_month.month = retained_12m.month
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
                then {{ safe_ratio('coalesce(mrr_now, 0)', 'mrr_year_before') }}
        end as net_revenue_retention_12m
    from with_base
)

select * from final
