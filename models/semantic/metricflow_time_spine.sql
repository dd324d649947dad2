-- MetricFlow's time spine: one row per day from 2000-01-01 to 2099-12-31, the range of the
-- project's static month calendar (int_calendar_months), so it covers any data the project reports.
with

day_numbers as (
    {{ dbt.generate_series(36525) }}
),

final as (
    select
        cast(
            {{ dbt.dateadd('day', 'generated_number - 1', "cast('2000-01-01' as date)") }} as date
        ) as date_day
    from day_numbers
)

select * from final
