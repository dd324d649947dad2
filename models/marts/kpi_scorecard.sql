-- Every headline KPI in one long table, the way a RevOps review reads them: value, change,
-- baseline, target, attainment and whether it is on track.
with

mrr as (
    select * from {{ ref('kpi_mrr') }}
),

arr as (
    select * from {{ ref('kpi_arr') }}
),

arpu as (
    select * from {{ ref('kpi_arpu') }}
),

churn as (
    select * from {{ ref('kpi_churn_rate') }}
),

retention as (
    select * from {{ ref('kpi_retention_rate') }}
),

funnel as (
    select * from {{ ref('kpi_funnel_conversion') }}
),

velocity as (
    select * from {{ ref('kpi_sales_velocity') }}
),

cycle as (
    select * from {{ ref('kpi_sales_cycle_length') }}
),

cac as (
    select * from {{ ref('kpi_cac') }}
),

lifetime_value as (
    select * from {{ ref('kpi_customer_lifetime_value') }}
),

kpi_catalog as (
    select * from {{ ref('kpi_catalog') }}
),

kpi_targets as (
    select * from {{ ref('kpi_targets') }}
),

reporting_period as (
    select * from {{ ref('int_reporting_period') }}
),

-- The funnel KPI of a month: the latest lead cohort mature by the month's end (the as-of instant
-- in the as-of month), read within the conversion window. A younger cohort has not had the time
-- to convert, and its rate would read as a fall every month.
mature_funnel_cohorts as (
    select
        mrr.month,
        funnel.cohort_month,
        funnel.conversion_rate_within_window,
        row_number() over (
            partition by mrr.month
            order by funnel.cohort_month desc
        ) as recency_rank
    from mrr
    cross join reporting_period
    inner join funnel
        on
            funnel.channel = 'all'
            and funnel.from_stage = 'lead'
            and funnel.to_stage = 'customer'
            and {{ funnel_cohort_is_mature(
                'funnel.cohort_month',
                'least(cast(' ~ add_months(1, 'mrr.month') ~ ' as '
                ~ api.Column.translate_type('timestamp') ~ '), reporting_period.cutoff_at)'
            ) }}
),

-- One row per month and KPI, for every revenue month (a KPI without activity is null).
kpi_values as (
    select
        mrr.month,
        kpi_catalog.kpi,
        case kpi_catalog.kpi
            when 'mrr' then cast(mrr.ending_mrr as {{ type_double() }})
            when 'arr' then cast(arr.arr as {{ type_double() }})
            when 'net_new_mrr' then cast(mrr.net_new_mrr as {{ type_double() }})
            when 'arpu' then cast(arpu.arpu as {{ type_double() }})
            when 'logo_churn_rate' then churn.logo_churn_rate
            when 'gross_mrr_churn_rate' then churn.gross_mrr_churn_rate
            when 'gross_revenue_retention' then retention.gross_revenue_retention
            when 'net_revenue_retention' then retention.net_revenue_retention
            when 'lead_to_customer_conversion_rate'
                then mature_funnel_cohorts.conversion_rate_within_window
            when 'win_rate' then velocity.win_rate
            when 'sales_cycle_days' then cycle.avg_sales_cycle_days
            when 'sales_velocity' then cast(velocity.sales_velocity as {{ type_double() }})
            when 'blended_cac' then cast(cac.cac as {{ type_double() }})
            when 'ltv' then cast(lifetime_value.ltv as {{ type_double() }})
            when 'ltv_to_cac_ratio' then lifetime_value.ltv_to_cac_ratio
            when 'cac_payback_months' then lifetime_value.cac_payback_months
        end as kpi_value,
        case
            when kpi_catalog.kpi = 'lead_to_customer_conversion_rate'
                then mature_funnel_cohorts.cohort_month
        end as cohort_month
    from mrr
    cross join kpi_catalog
    left join arr
        on mrr.month = arr.month
    left join arpu
        on mrr.month = arpu.month
    left join churn
        on mrr.month = churn.month
    left join retention
        on mrr.month = retention.month
    left join mature_funnel_cohorts
        on mrr.month = mature_funnel_cohorts.month and mature_funnel_cohorts.recency_rank = 1
    left join velocity
        on mrr.month = velocity.month and velocity.pipeline = 'all'
    left join cycle
        on mrr.month = cycle.month and cycle.pipeline = 'all'
    left join cac
        on mrr.month = cac.month and cac.channel = 'all'
    left join lifetime_value
        on mrr.month = lifetime_value.month
),

-- The baseline: the mean of the KPI's first three reported months (months with a value).
reported_rank as (
    select
        kpi,
        kpi_value,
        row_number() over (partition by kpi order by month) as report_number
    from kpi_values
    where kpi_value is not null
),

computed_baselines as (
    select
        kpi,
        avg(kpi_value) as baseline
    from reported_rank
    where report_number <= 3
    group by kpi
),

compared as (
    select
        kpi_values.month,
        kpi_values.kpi,
        kpi_catalog.department,
        kpi_catalog.is_higher_better,
        kpi_catalog.unit,
        kpi_values.kpi_value,
        kpi_values.cohort_month,
        previous_month.kpi_value as previous_value,
        year_before.kpi_value as year_before_value,
        coalesce(kpi_targets.baseline, computed_baselines.baseline) as baseline,
        kpi_targets.target
    from kpi_values
    inner join kpi_catalog
        on kpi_values.kpi = kpi_catalog.kpi
    left join kpi_values as previous_month
        on
            kpi_values.kpi = previous_month.kpi
            and previous_month.month = {{ add_months(-1, 'kpi_values.month') }}
    left join kpi_values as year_before
        on
            kpi_values.kpi = year_before.kpi
            and year_before.month = {{ add_months(-12, 'kpi_values.month') }}
    left join computed_baselines
        on kpi_values.kpi = computed_baselines.kpi
    left join kpi_targets
        on kpi_values.kpi = kpi_targets.kpi and kpi_values.month = kpi_targets.month
),

-- Attainment >= 1 and on track mean the right side of the target (or, without a target, of
-- the baseline) given the KPI's direction: a comparison of levels, the same whether a rate's gap
-- is read in percentage points or relative terms. A rate's change is given both ways: 2.0 % ->
-- 2.5 % is +0.5 pp and +25 %; a review reads the points.
final as (
    select
        month,
        kpi,
        department,
        kpi_value as value,
        cohort_month,
        previous_value,
        {{ safe_ratio('kpi_value - previous_value', 'abs(previous_value)') }} as change_mom,
        case
            when unit = 'ratio' then (kpi_value - previous_value) * 100
        end as change_mom_pp,
        {{ safe_ratio('kpi_value - year_before_value', 'abs(year_before_value)') }} as change_yoy,
        case
            when unit = 'ratio' then (kpi_value - year_before_value) * 100
        end as change_yoy_pp,
        baseline,
        target,
        -- A share of a target is defined against a positive level only: a negative target
        -- (net new MRR) or a lower-is-better KPI at 0 has none.
        case
            when is_higher_better and target > 0 then {{ safe_ratio('kpi_value', 'target') }}
            when not is_higher_better and kpi_value > 0 then {{ safe_ratio('target', 'kpi_value') }}
        end as attainment,
        case
            when kpi_value is null then null
            when target is not null and is_higher_better then kpi_value >= target
            when target is not null then kpi_value <= target
            when baseline is not null and is_higher_better then kpi_value >= baseline
            when baseline is not null then kpi_value <= baseline
        end as is_on_track,
        is_higher_better
    from compared
)

select * from final
