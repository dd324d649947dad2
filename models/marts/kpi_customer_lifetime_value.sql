{%- set window_length = number_literal('ltv_window_months', 1, 24) | int -%}
with

mrr_by_month as (
    select * from {{ ref('int_mrr_by_month') }}
),

spend as (
    select * from {{ ref('int_acquisition_spend_by_month') }}
),

monthly_spend as (
    select
        month,
        sum(acquisition_spend) as acquisition_spend
    from spend
    group by month
),

months as (
    select
        month,
        ending_mrr,
        paying_customers,
        churned_customers,
        customers_at_start,
        new_customers
    from mrr_by_month
),

-- The trailing window M-(n-1)..M (var ltv_window_months, 3 by default): churn and CAC over a
-- few months are steadier than one month's.
trailing_window as (
    select
        months.month,
        sum(window_months.churned_customers) as churned_customers,
        sum(window_months.customers_at_start) as customers_at_start,
        sum(window_months.new_customers) as new_customers
    from months
    inner join months as window_months
        on
            months.month >= window_months.month
            and {{ add_months(-window_length, 'months.month') }} < window_months.month
    group by months.month
),

-- Spend of the window counts even in months before the first paying customer.
trailing_spend as (
    select
        months.month,
        sum(monthly_spend.acquisition_spend) as acquisition_spend
    from months
    inner join monthly_spend
        on
            months.month >= monthly_spend.month
            and {{ add_months(-window_length, 'months.month') }} < monthly_spend.month
    group by months.month
),

parts as (
    select
        months.month,
        months.ending_mrr,
        months.paying_customers,
        trailing_window.churned_customers,
        trailing_window.customers_at_start,
        trailing_window.new_customers,
        coalesce(trailing_spend.acquisition_spend, 0) as acquisition_spend,
        {{ number_literal('gross_margin', 0, 1) }} as gross_margin
    from months
    inner join trailing_window
        on months.month = trailing_window.month
    left join trailing_spend
        on months.month = trailing_spend.month
),

-- Each ratio is written with a single division (arpu = mrr / paying, churn = churned / at
-- start, cac = spend / new), so round inputs give exact results; the divisors listed are every
-- part's denominator, so a figure with an undefined part is null (LTV:CAC without new
-- customers is null, not 0).
final as (
    select
        month,
        {{ money(safe_ratio('ending_mrr', 'paying_customers')) }} as arpu,
        cast(gross_margin as {{ type_double() }}) as gross_margin,
        {{ safe_ratio('churned_customers', 'customers_at_start') }} as logo_churn_rate_3m,
        -- ltv = arpu x gross_margin / logo_churn_rate_3m
        {{ money(safe_ratio_of_parts(
            'ending_mrr * gross_margin * customers_at_start',
            'paying_customers * churned_customers',
            ['paying_customers', 'customers_at_start', 'churned_customers']
        )) }} as ltv,
        {{ money(safe_ratio('acquisition_spend', 'new_customers')) }} as cac,
        -- ltv / cac
        {{ safe_ratio_of_parts(
            'ending_mrr * gross_margin * customers_at_start * new_customers',
            'paying_customers * churned_customers * acquisition_spend',
            [
                'paying_customers', 'customers_at_start', 'churned_customers',
                'new_customers', 'acquisition_spend'
            ]
        ) }} as ltv_to_cac_ratio,
        -- cac / (arpu x gross_margin)
        {{ safe_ratio_of_parts(
            'acquisition_spend * paying_customers',
            'new_customers * ending_mrr * gross_margin',
            ['new_customers', 'paying_customers', 'ending_mrr * gross_margin']
        ) }} as cac_payback_months
    from parts
)

select * from final
