-- Every headline KPI in one long table, the way a RevOps review reads them: value, change,
-- baseline, target, attainment and whether it is on track. Where each KPI is read is written
-- once, in macros/scorecard.sql; its name, department, direction and unit in `kpi_catalog`.

with

mrr as (
    select * from {{ ref('kpi_mrr') }}
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

monthly_values as (
    {{ scorecard_values() }}
),

cohort_values as (
    {{ scorecard_values(cohorts=true) }}
),

-- A cohort KPI in a month reads the latest cohort mature by the month's end (the as-of instant
-- in the as-of month), within the conversion window. A younger cohort has not had the time to
-- convert, and its rate would read as a fall every month.
cohort_candidates as (
    select
        mrr.month,
        cohort_values.kpi,
        cohort_values.cohort_month,
        cohort_values.kpi_value,
        row_number() over (
            partition by mrr.month, cohort_values.kpi
            order by cohort_values.cohort_month desc
        ) as recency_rank
    from mrr
    cross join reporting_period
    inner join cohort_values
        on {{ funnel_cohort_is_mature(
            'cohort_values.cohort_month',
            'least(cast(' ~ add_months(1, 'mrr.month') ~ ' as '
            ~ api.Column.translate_type('timestamp') ~ '), reporting_period.cutoff_at)'
        ) }}
),

-- One row per month and KPI, for every revenue month (a KPI without activity is null).
kpi_values as (
    select
        mrr.month,
        kpi_catalog.kpi,
        coalesce(monthly_values.kpi_value, cohort_candidates.kpi_value) as kpi_value,
        cohort_candidates.cohort_month
    from mrr
    cross join kpi_catalog
    left join monthly_values
        on mrr.month = monthly_values.month and kpi_catalog.kpi = monthly_values.kpi
    left join cohort_candidates
        on
            mrr.month = cohort_candidates.month
            and kpi_catalog.kpi = cohort_candidates.kpi
            and cohort_candidates.recency_rank = 1
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
