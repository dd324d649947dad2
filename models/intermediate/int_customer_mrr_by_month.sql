-- Each customer's MRR at the end of every month from its first paying month to the as-of month,
-- and the movement against the month before.
-- Incremental (macros/incremental.sql): a run recomputes the months from the recompute month on;
-- the month before it, kept from the previous build, gives their first paying month and the MRR
-- the first of them moves from, and the twelve months before it give each recomputed month's
-- MRR a year earlier.
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='recompute',
    recompute_column='month',
    dated_keys=['customer_month_id'],
    on_schema_change='fail',
) }}

with

subscription_periods as (
    select * from {{ ref('int_subscription_periods') }}
),

calendar_months as (
    select * from {{ ref('int_calendar_months') }}
),

reporting_period as (
    select * from {{ ref('int_reporting_period') }}
),

-- A period counts in month M when it covers the month's last instant:
-- valid_from < first day of M+1 <= valid_to.
period_months as (
    select
        subscription_periods.customer_id,
        calendar_months.month,
        subscription_periods.mrr
    from subscription_periods
    inner join calendar_months
        on
            subscription_periods.valid_from < cast(calendar_months.next_month as timestamp)
            and subscription_periods.valid_to >= cast(calendar_months.next_month as timestamp)
    cross join reporting_period
    where
        calendar_months.month <= reporting_period.as_of_month
    {% if is_incremental() %}
        and calendar_months.month >= reporting_period.recompute_from_month
    {% endif %}
),

customer_month_mrr as (
    select
        customer_id,
        month,
        sum(mrr) as mrr
    from period_months
    group by customer_id, month
),

-- The twelve months before the ones an incremental run recomputes, kept from the previous
-- build: one read of it for the month before (kept_month) and the MRR a year earlier
-- (mrr_history). None on a full build.
kept_months as (
    {% if is_incremental() %}
        select
            previous_build.customer_id,
            previous_build.month,
            previous_build.first_paying_month,
            previous_build.mrr
        from {{ this }} as previous_build
        cross join reporting_period
        where
            previous_build.month >= {{ add_months(-12, 'reporting_period.recompute_from_month') }}
            and previous_build.month < reporting_period.recompute_from_month
    {% else %}
        select
            customer_id,
            month,
            month as first_paying_month,
            mrr
        from customer_month_mrr
        where 1 = 0
    {% endif %}
),

-- Every customer that paid before the recomputed months has a row in the month before them.
kept_month as (
    select
        kept_months.customer_id,
        kept_months.first_paying_month,
        kept_months.mrr
    from kept_months
    cross join reporting_period
    where kept_months.month = {{ add_months(-1, 'reporting_period.recompute_from_month') }}
),

first_paying_in_window as (
    select
        customer_id,
        min(month) as first_paying_month
    from customer_month_mrr
    where mrr > 0
    group by customer_id
),

first_paying_months as (
    select
        coalesce(kept_month.customer_id, first_paying_in_window.customer_id) as customer_id,
        coalesce(kept_month.first_paying_month, first_paying_in_window.first_paying_month)
            as first_paying_month
    from kept_month
    full outer join first_paying_in_window
        on kept_month.customer_id = first_paying_in_window.customer_id
),

-- Every month from the first paying month to the as-of month, so that churned months are rows.
customer_months as (
    select
        first_paying_months.customer_id,
        first_paying_months.first_paying_month,
        calendar_months.month
    from first_paying_months
    inner join calendar_months
        on first_paying_months.first_paying_month <= calendar_months.month
    cross join reporting_period
    where
        calendar_months.month <= reporting_period.as_of_month
    {% if is_incremental() %}
        and calendar_months.month >= reporting_period.recompute_from_month
    {% endif %}
),

with_mrr as (
    select
        customer_months.customer_id,
        customer_months.first_paying_month,
        customer_months.month,
        coalesce(customer_month_mrr.mrr, 0) as mrr,
        kept_month.mrr as kept_mrr
    from customer_months
    left join customer_month_mrr
        on
            customer_months.customer_id = customer_month_mrr.customer_id
            and customer_months.month = customer_month_mrr.month
    left join kept_month
        on customer_months.customer_id = kept_month.customer_id
),

with_previous as (
    select
        *,
        coalesce(
            lag(mrr) over (partition by customer_id order by month),
            -- The first recomputed month of an incremental run moves from the kept month's MRR.
            kept_mrr,
            0
        ) as previous_mrr
    from with_mrr
),

-- Each customer's MRR by month, kept and recomputed, for each month's MRR a year earlier
-- (kpi_retention_rate).
mrr_history as (
    select
        customer_id,
        month,
        mrr
    from kept_months
    union all
    select
        customer_id,
        month,
        mrr
    from with_mrr
),

-- Movements (kpi_mrr). A difference under a millionth is float noise, not a change (D1).
classified as (
    select
        *,
        case
            when previous_mrr <= 0 and mrr > 0 and month = first_paying_month then 'new'
            when previous_mrr <= 0 and mrr > 0 then 'reactivation'
            when previous_mrr > 0 and mrr <= 0 then 'churn'
            when previous_mrr > 0 and mrr - previous_mrr >= 0.000001 then 'expansion'
            when previous_mrr > 0 and previous_mrr - mrr >= 0.000001 then 'contraction'
            else 'unchanged'
        end as movement
    from with_previous
),

-- Null before the customer's first paying month (no row a year earlier).
with_year_before as (
    select
        classified.*,
        year_before.mrr as mrr_12_months_before
    from classified
    left join mrr_history as year_before
        on
            classified.customer_id = year_before.customer_id
            and year_before.month = {{ add_months(-12, 'classified.month') }}
),

final as (
    select
        {{ dbt.concat(["customer_id", "'|'", dbt.safe_cast("month", dbt.type_string())]) }}
            as customer_month_id,
        customer_id,
        month,
        first_paying_month,
        mrr,
        previous_mrr,
        movement,
        case
            when movement in ('new', 'reactivation') then mrr
            when movement = 'churn' then -previous_mrr
            when movement in ('expansion', 'contraction') then mrr - previous_mrr
            else 0
        end as movement_mrr,
        mrr > 0 as is_paying,
        previous_mrr > 0 as was_paying,
        mrr_12_months_before
    from with_year_before
)

select * from final
