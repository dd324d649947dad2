-- Go-to-market spend per month and channel, converted at the rate of the day it was incurred.
-- Marketing and sales are acquisition cost; other departments are not. Spend booked to no
-- channel is `unattributed` (it counts in the blended CAC only). An expense booked after the as-of
-- date counts nowhere (macros/as_of.sql).
with

expenses as (
    select * from {{ ref('stg_finance__expenses') }}
),

fx_rates_daily as (
    select * from {{ ref('int_fx_rates_daily') }}
),

converted as (
    select
        {{ month_of('expenses.incurred_date') }} as month,
        coalesce(expenses.channel, 'unattributed') as channel,
        expenses.department,
        expenses.amount
        * {{ reporting_rate('expenses.currency', 'fx_rates_daily.rate_to_reporting') }} as amount
    from expenses
    left join fx_rates_daily
        on
            expenses.currency = fx_rates_daily.currency
            and expenses.incurred_date = fx_rates_daily.rate_date
    where
        expenses.department in ('marketing', 'sales')
        and {{ is_date_known_at_as_of('expenses.incurred_date') }}
),

final as (
    select
        {{ dbt.concat(["channel", "'|'", dbt.safe_cast("month", dbt.type_string())]) }}
            as channel_month_id,
        month,
        channel,
        sum(case when department = 'marketing' then amount else 0 end) as marketing_spend,
        sum(case when department = 'sales' then amount else 0 end) as sales_spend,
        sum(amount) as acquisition_spend,
        count(*) as expense_rows,
        -- Must be 0: an amount without a rate would silently shrink the spend.
        sum(case when amount is null then 1 else 0 end) as expenses_without_rate
    from converted
    group by month, channel
)

select * from final
