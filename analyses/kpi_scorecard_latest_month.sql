-- The scorecard of the latest reported month, by department: value, change, target and whether
-- each KPI is on track.
with

scorecard as (
    select * from {{ ref('kpi_scorecard') }}
),

kpi_catalog as (
    select * from {{ ref('kpi_catalog') }}
),

reporting_period as (
    select * from {{ ref('int_reporting_period') }}
)

select
    scorecard.department,
    kpi_catalog.kpi_name,
    scorecard.value,
    scorecard.change_mom,
    scorecard.change_yoy,
    scorecard.baseline,
    scorecard.target,
    scorecard.attainment,
    scorecard.is_on_track
from scorecard
inner join kpi_catalog
    on scorecard.kpi = kpi_catalog.kpi
inner join reporting_period
    on scorecard.month = reporting_period.as_of_month
order by scorecard.department, kpi_catalog.kpi_name
