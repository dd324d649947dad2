-- A static calendar of months (2000-01 to 2099-12): marts pick the range they report.
with

month_numbers as (
    {{ dbt.generate_series(1200) }}
),

final as (
    select
        {{ add_months('generated_number - 1', "cast('2000-01-01' as date)") }} as month,
        {{ add_months('generated_number', "cast('2000-01-01' as date)") }} as next_month
    from month_numbers
)

select * from final
