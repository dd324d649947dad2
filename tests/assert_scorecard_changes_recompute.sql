-- The scorecard's previous value is the month before's value of the same KPI, and its changes
-- recompute from the values; every KPI of the catalogue has every revenue month.
with

scorecard as (
    select * from {{ ref('kpi_scorecard') }}
),

kpi_catalog as (
    select * from {{ ref('kpi_catalog') }}
),

mrr as (
    select * from {{ ref('kpi_mrr') }}
),

expected_rows as (
    select count(*) as row_count
    from mrr
    cross join kpi_catalog
),

actual_rows as (
    select count(*) as row_count
    from scorecard
),

wrong_changes as (
    select
        scorecard.month,
        scorecard.kpi
    from scorecard
    inner join kpi_catalog
        on scorecard.kpi = kpi_catalog.kpi
    left join scorecard as previous_month
        on
            scorecard.kpi = previous_month.kpi
            and previous_month.month = {{ add_months(-1, 'scorecard.month') }}
    left join scorecard as year_before
        on
            scorecard.kpi = year_before.kpi
            and year_before.month = {{ add_months(-12, 'scorecard.month') }}
    where
        coalesce(scorecard.previous_value, -999) <> coalesce(previous_month.value, -999)
        or abs(
            coalesce(scorecard.change_mom, 0)
            - coalesce(
                (scorecard.value - previous_month.value) / nullif(abs(previous_month.value), 0),
                0
            )
        ) > 0.000000001
        or abs(
            coalesce(scorecard.change_yoy, 0)
            - coalesce(
                (scorecard.value - year_before.value) / nullif(abs(year_before.value), 0), 0
            )
        ) > 0.000000001
        -- Rates also change in percentage points; other units do not.
        or (
            kpi_catalog.unit = 'ratio'
            and abs(
                coalesce(scorecard.change_mom_pp, 0)
                - coalesce((scorecard.value - previous_month.value) * 100, 0)
            ) > 0.000000001
        )
        or (
            kpi_catalog.unit = 'ratio'
            and abs(
                coalesce(scorecard.change_yoy_pp, 0)
                - coalesce((scorecard.value - year_before.value) * 100, 0)
            ) > 0.000000001
        )
        or (
            kpi_catalog.unit <> 'ratio'
            and (scorecard.change_mom_pp is not null or scorecard.change_yoy_pp is not null)
        )
),

wrong_count as (
    select
        cast(null as date) as month,
        'row count' as kpi
    from expected_rows
    cross join actual_rows
    where expected_rows.row_count <> actual_rows.row_count
)

select * from wrong_changes
union all
select * from wrong_count
