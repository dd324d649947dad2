-- A KPI is better higher or lower whatever the month: the targets agree with the catalogue.
with

kpi_targets as (
    select * from {{ ref('kpi_targets') }}
),

kpi_catalog as (
    select * from {{ ref('kpi_catalog') }}
)

select
    kpi_targets.kpi,
    kpi_targets.month,
    kpi_targets.is_higher_better,
    kpi_catalog.is_higher_better as catalog_is_higher_better
from kpi_targets
inner join kpi_catalog
    on kpi_targets.kpi = kpi_catalog.kpi
where kpi_targets.is_higher_better <> kpi_catalog.is_higher_better
