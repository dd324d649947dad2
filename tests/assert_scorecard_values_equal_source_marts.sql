-- Each scorecard value is its source mart's value: the month's for a monthly KPI, the named
-- cohort's for a cohort KPI (sources in macros/scorecard.sql). Every KPI of the catalogue has a
-- source, and every source a catalogue row.
with

scorecard as (
    select * from {{ ref('kpi_scorecard') }}
),

kpi_catalog as (
    select * from {{ ref('kpi_catalog') }}
),

monthly_values as (
    {{ scorecard_values() }}
),

cohort_values as (
    {{ scorecard_values(cohorts=true) }}
),

source_kpis as (
    {%- for source in scorecard_kpi_sources() %}
        select '{{ source.kpi }}' as kpi
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

wrong_values as (
    select
        scorecard.month,
        scorecard.kpi,
        'value differs from its mart' as problem
    from scorecard
    left join monthly_values
        on scorecard.month = monthly_values.month and scorecard.kpi = monthly_values.kpi
    left join cohort_values
        on scorecard.cohort_month = cohort_values.cohort_month and scorecard.kpi = cohort_values.kpi
    where
        (scorecard.value is null)
        <> (coalesce(monthly_values.kpi_value, cohort_values.kpi_value) is null)
        or abs(scorecard.value - coalesce(monthly_values.kpi_value, cohort_values.kpi_value))
        > 0.000000001
),

unmapped as (
    select
        cast(null as date) as month,
        coalesce(kpi_catalog.kpi, source_kpis.kpi) as kpi,
        'in the catalogue or the sources only' as problem
    from kpi_catalog
    full outer join source_kpis
        on kpi_catalog.kpi = source_kpis.kpi
    where kpi_catalog.kpi is null or source_kpis.kpi is null
)

select * from wrong_values
union all
select * from unmapped
