-- A KPI is better higher or lower whatever the month: one direction per KPI in the targets.
with

kpi_targets as (
    select * from {{ ref('kpi_targets') }}
)

select
    kpi,
    count(distinct is_higher_better) as directions
from kpi_targets
group by kpi
having count(distinct is_higher_better) > 1
