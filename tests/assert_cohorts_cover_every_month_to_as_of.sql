-- Every cohort has one row for each month from 0 to the as-of month, and its size is the number
-- of customers whose first paying month it is.
with

cohorts as (
    select * from {{ ref('kpi_cohort_retention') }}
),

customers as (
    select * from {{ ref('dim_customers') }}
),

reporting_period as (
    select * from {{ ref('int_reporting_period') }}
),

cohort_rows as (
    select
        cohort_month,
        count(*) as row_count,
        max(months_since_start) as last_month_number,
        min(cohort_customers) as min_size,
        max(cohort_customers) as max_size
    from cohorts
    group by cohort_month
),

cohort_sizes as (
    select
        first_paying_month as cohort_month,
        count(*) as customers
    from customers
    where first_paying_month is not null
    group by first_paying_month
)

select
    cohort_sizes.cohort_month,
    cohort_sizes.customers,
    cohort_rows.row_count,
    cohort_rows.min_size
from cohort_sizes
cross join reporting_period
left join cohort_rows
    on cohort_sizes.cohort_month = cohort_rows.cohort_month
where
    cohort_rows.cohort_month is null
    or cohort_rows.min_size <> cohort_sizes.customers
    or cohort_rows.max_size <> cohort_sizes.customers
    or cohort_rows.row_count <> cohort_rows.last_month_number + 1
    or cohort_rows.last_month_number <> {{ dbt.datediff(
        'cohort_sizes.cohort_month', 'reporting_period.as_of_month', 'month'
    ) }}
