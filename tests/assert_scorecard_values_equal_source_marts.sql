-- Each scorecard value is its source mart's value for the month (read here mart by mart).
with

scorecard as (
    select * from {{ ref('kpi_scorecard') }}
),

source_values as (
    select
        month,
        'mrr' as kpi,
        cast(ending_mrr as {{ type_double() }}) as source_value
    from {{ ref('kpi_mrr') }}
    union all
    select
        month,
        'net_new_mrr' as kpi,
        cast(net_new_mrr as {{ type_double() }}) as source_value
    from {{ ref('kpi_mrr') }}
    union all
    select
        month,
        'arr' as kpi,
        cast(arr as {{ type_double() }}) as source_value
    from {{ ref('kpi_arr') }}
    union all
    select
        month,
        'arpu' as kpi,
        cast(arpu as {{ type_double() }}) as source_value
    from {{ ref('kpi_arpu') }}
    union all
    select
        month,
        'logo_churn_rate' as kpi,
        logo_churn_rate as source_value
    from {{ ref('kpi_churn_rate') }}
    union all
    select
        month,
        'gross_mrr_churn_rate' as kpi,
        gross_mrr_churn_rate as source_value
    from {{ ref('kpi_churn_rate') }}
    union all
    select
        month,
        'gross_revenue_retention' as kpi,
        gross_revenue_retention as source_value
    from {{ ref('kpi_retention_rate') }}
    union all
    select
        month,
        'net_revenue_retention' as kpi,
        net_revenue_retention as source_value
    from {{ ref('kpi_retention_rate') }}
    union all
    -- A cohort KPI reads the cohort the scorecard names, within the window.
    select
        scorecard.month,
        'lead_to_customer_conversion_rate' as kpi,
        funnel.conversion_rate_within_window as source_value
    from scorecard
    inner join {{ ref('kpi_funnel_conversion') }} as funnel
        on
            scorecard.cohort_month = funnel.cohort_month
            and funnel.channel = 'all'
            and funnel.from_stage = 'lead'
            and funnel.to_stage = 'customer'
    where scorecard.kpi = 'lead_to_customer_conversion_rate'
    union all
    select
        month,
        'win_rate' as kpi,
        win_rate as source_value
    from {{ ref('kpi_sales_velocity') }}
    where pipeline = 'all'
    union all
    select
        month,
        'sales_velocity' as kpi,
        cast(sales_velocity as {{ type_double() }}) as source_value
    from {{ ref('kpi_sales_velocity') }}
    where pipeline = 'all'
    union all
    select
        month,
        'sales_cycle_days' as kpi,
        avg_sales_cycle_days as source_value
    from {{ ref('kpi_sales_cycle_length') }}
    where pipeline = 'all'
    union all
    select
        month,
        'blended_cac' as kpi,
        cast(cac as {{ type_double() }}) as source_value
    from {{ ref('kpi_cac') }}
    where channel = 'all'
    union all
    select
        month,
        'ltv' as kpi,
        cast(ltv as {{ type_double() }}) as source_value
    from {{ ref('kpi_customer_lifetime_value') }}
    union all
    select
        month,
        'ltv_to_cac_ratio' as kpi,
        ltv_to_cac_ratio as source_value
    from {{ ref('kpi_customer_lifetime_value') }}
    union all
    select
        month,
        'cac_payback_months' as kpi,
        cac_payback_months as source_value
    from {{ ref('kpi_customer_lifetime_value') }}
)

select
    scorecard.month,
    scorecard.kpi,
    scorecard.value,
    source_values.source_value
from scorecard
left join source_values
    on scorecard.month = source_values.month and scorecard.kpi = source_values.kpi
where
    (scorecard.value is null) <> (source_values.source_value is null)
    or abs(scorecard.value - source_values.source_value) > 0.000000001
