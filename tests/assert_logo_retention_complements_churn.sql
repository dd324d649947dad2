-- Logo retention + logo churn = 1 (both null when nobody was paying at the start).
with

churn as (
    select * from {{ ref('kpi_churn_rate') }}
),

retention as (
    select * from {{ ref('kpi_retention_rate') }}
)

select
    churn.month,
    churn.logo_churn_rate,
    retention.logo_retention_rate
from churn
inner join retention
    on churn.month = retention.month
where
    (churn.logo_churn_rate is null) <> (retention.logo_retention_rate is null)
    or abs(churn.logo_churn_rate + retention.logo_retention_rate - 1) > 0.000000001
