-- Rates per currency and day, to the reporting currency. A rate holds from its rate_date until
-- the next rate of the currency; USD needs no row. Days run from the first rate to a year past
-- the later of the last rate and the as-of date (service periods paid in advance start later).
with

fx_rates as (
    select * from {{ ref('stg_finance__fx_rates') }}
),

reporting_period as (
    select * from {{ ref('int_reporting_period') }}
),

day_numbers as (
    {{ dbt.generate_series(40000) }}
),

bounds as (
    select
        min(fx_rates.rate_date) as first_date,
        max(reporting_period.as_of_date) as as_of_date,
        max(fx_rates.rate_date) as last_rate_date
    from fx_rates
    cross join reporting_period
),

days as (
    select
        cast(
            {{ dbt.dateadd('day', 'day_numbers.generated_number - 1', 'bounds.first_date') }}
            as date
        ) as rate_date
    from day_numbers
    cross join bounds
    where day_numbers.generated_number - 1 <= {{ dbt.datediff(
        'bounds.first_date',
        dbt.dateadd('day', 366, 'greatest(bounds.last_rate_date, bounds.as_of_date)'),
        'day'
    ) }}
),

rate_intervals as (
    select
        currency,
        rate_date as valid_from,
        lead(rate_date) over (partition by currency order by rate_date) as valid_to,
        rate_to_usd
    from fx_rates
),

usd_rates as (
    select
        rate_date,
        'USD' as currency,
        cast(1 as {{ type_double() }}) as rate_to_usd
    from days
),

other_rates as (
    select
        days.rate_date,
        rate_intervals.currency,
        cast(rate_intervals.rate_to_usd as {{ type_double() }}) as rate_to_usd
    from days
    inner join rate_intervals
        on
            days.rate_date >= rate_intervals.valid_from
            and (rate_intervals.valid_to is null or days.rate_date < rate_intervals.valid_to)
    where rate_intervals.currency <> 'USD'
),

daily_rates as (
    select * from usd_rates
    union all
    select * from other_rates
),

reporting_rates as (
    select
        rate_date,
        rate_to_usd as reporting_rate_to_usd
    from daily_rates
    where currency = {{ reporting_currency_literal() }}
),

final as (
    select
        {{ dbt.concat([
            "daily_rates.currency", "'|'",
            dbt.safe_cast("daily_rates.rate_date", dbt.type_string())
        ]) }} as fx_rate_day_id,
        daily_rates.rate_date,
        daily_rates.currency,
        daily_rates.rate_to_usd,
        daily_rates.rate_to_usd / reporting_rates.reporting_rate_to_usd as rate_to_reporting
    from daily_rates
    inner join reporting_rates
        on daily_rates.rate_date = reporting_rates.rate_date
)

select * from final
