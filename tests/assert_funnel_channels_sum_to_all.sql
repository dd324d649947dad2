-- The `all` channel of the funnel is the sum of the channels, for every cohort and stage pair.
with

funnel as (
    select * from {{ ref('kpi_funnel_conversion') }}
),

channel_totals as (
    select
        cohort_month,
        from_stage,
        to_stage,
        sum(entered) as entered,
        sum(converted) as converted
    from funnel
    where channel <> 'all'
    group by cohort_month, from_stage, to_stage
),

all_rows as (
    select * from funnel
    where channel = 'all'
)

select
    all_rows.cohort_month,
    all_rows.from_stage,
    all_rows.to_stage,
    all_rows.entered,
    channel_totals.entered as channel_entered
from all_rows
full outer join channel_totals
    on
        all_rows.cohort_month = channel_totals.cohort_month
        and all_rows.from_stage = channel_totals.from_stage
        and all_rows.to_stage = channel_totals.to_stage
where
    all_rows.cohort_month is null
    or channel_totals.cohort_month is null
    or all_rows.entered <> channel_totals.entered
    or all_rows.converted <> channel_totals.converted
