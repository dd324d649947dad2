-- Each customer's MRR at the end of every month from its first paying month to the as-of month,
-- and the movement against the month before.
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
    where calendar_months.month <= reporting_period.as_of_month
),

customer_month_mrr as (
    select
        customer_id,
        month,
        sum(mrr) as mrr
    from period_months
    group by customer_id, month
),

first_paying_months as (
    select
        customer_id,
        min(month) as first_paying_month
    from customer_month_mrr
    where mrr > 0
    group by customer_id
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
    where calendar_months.month <= reporting_period.as_of_month
),

with_mrr as (
    select
        customer_months.customer_id,
        customer_months.first_paying_month,
        customer_months.month,
        coalesce(customer_month_mrr.mrr, 0) as mrr
    from customer_months
    left join customer_month_mrr
        on
            customer_months.customer_id = customer_month_mrr.customer_id
            and customer_months.month = customer_month_mrr.month
),

with_previous as (
    select
        *,
        coalesce(
            lag(mrr) over (partition by customer_id order by month), 0
        ) as previous_mrr
    from with_mrr
),

-- Movements (kpi_definitions.md). A difference under a millionth is float noise, not a change.
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
        previous_mrr > 0 as was_paying
    from classified
)

select * from final
