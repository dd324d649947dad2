-- Every revenue mart covers each month from the first paying month to the as-of month, no gap,
-- nothing after the as-of month.
with

reporting_period as (
    select * from {{ ref('int_reporting_period') }}
),

customer_mrr as (
    select * from {{ ref('int_customer_mrr_by_month') }}
),

first_month as (
    select min(first_paying_month) as first_paying_month
    from customer_mrr
),

{% set marts = ['kpi_mrr', 'kpi_arr', 'kpi_arpu', 'kpi_churn_rate', 'kpi_retention_rate'] %}
mart_months as (
    {% for mart in marts %}
        select
            '{{ mart }}' as mart,
            min(month) as first_month,
            max(month) as last_month,
            count(*) as month_count,
            count(distinct month) as distinct_months
        from {{ ref(mart) }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select mart_months.*
from mart_months
cross join reporting_period
cross join first_month
where
    mart_months.first_month <> first_month.first_paying_month
    or mart_months.last_month <> reporting_period.as_of_month
    or mart_months.month_count <> mart_months.distinct_months
    or mart_months.month_count <> {{ dbt.datediff(
        'first_month.first_paying_month', 'reporting_period.as_of_month', 'month'
    ) }} + 1
