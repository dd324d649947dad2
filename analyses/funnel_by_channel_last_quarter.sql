-- The funnel by channel for the last full quarter of lead cohorts up to the as-of month:
-- contacts entering each stage and converting to the next, every channel and `all`.
with

funnel as (
    select * from {{ ref('kpi_funnel_conversion') }}
),

reporting_period as (
    select * from {{ ref('int_reporting_period') }}
),

last_quarter as (
    select
        funnel.channel,
        funnel.from_stage,
        funnel.to_stage,
        sum(funnel.entered) as entered,
        sum(funnel.converted) as converted
    from funnel
    cross join reporting_period
    where
        funnel.cohort_month >= {{ add_months(-3, month_of(dbt.date_trunc(
            'quarter', 'reporting_period.as_of_date'
        ))) }}
        and funnel.cohort_month < {{ month_of(dbt.date_trunc(
            'quarter', 'reporting_period.as_of_date'
        )) }}
    group by funnel.channel, funnel.from_stage, funnel.to_stage
)

select
    channel,
    from_stage,
    to_stage,
    entered,
    converted,
    {{ safe_ratio('converted', 'entered') }} as conversion_rate
from last_quarter
order by channel asc, entered desc
