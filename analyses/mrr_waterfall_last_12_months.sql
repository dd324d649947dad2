-- The MRR waterfall (bridge) of the last 12 reported months, as a BI user starts from it:
-- starting MRR, each movement, ending MRR. `dbt compile` renders it under target/compiled.
with

mrr as (
    select * from {{ ref('kpi_mrr') }}
),

reporting_period as (
    select * from {{ ref('int_reporting_period') }}
),

last_12_months as (
    select
        mrr.month,
        mrr.starting_mrr,
        mrr.new_mrr,
        mrr.expansion_mrr,
        mrr.reactivation_mrr,
        mrr.contraction_mrr,
        mrr.churned_mrr,
        mrr.ending_mrr
    from mrr
    cross join reporting_period
    where mrr.month > {{ add_months(-12, 'reporting_period.as_of_month') }}
)

select * from last_12_months
order by month
