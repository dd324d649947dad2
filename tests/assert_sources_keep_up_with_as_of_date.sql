-- A warning, not an error: a source whose latest fact lags more than `source_lag_warn_days` (var,
-- default 7) behind the as-of date. Its KPIs are incomplete for those days (spend not booked
-- yet, deals not synced); the build goes on, and stg_sources__positions says by how much.
-- fx_rates is not checked (is_lag_checked): a rate holds until the next one.
{{ config(severity='warn') }}

select
    source_table,
    latest_fact_date,
    as_of_date,
    lag_days
from {{ ref('stg_sources__positions') }}
where is_lag_checked and lag_days > {{ integer_literal('source_lag_warn_days', 0, 3650) }}
