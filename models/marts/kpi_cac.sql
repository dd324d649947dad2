with

spend as (
    select * from {{ ref('int_acquisition_spend_by_month') }}
),

customer_mrr as (
    select * from {{ ref('int_customer_mrr_by_month') }}
),

first_touch as (
    select * from {{ ref('int_customer_first_touch_channels') }}
),

calendar_months as (
    select * from {{ ref('int_calendar_months') }}
),

reporting_period as (
    select * from {{ ref('int_reporting_period') }}
),

-- New paying customers (first paying month; a reactivation is not a new customer).
new_customers as (
    select
        customer_mrr.month,
        first_touch.first_touch_channel as channel
    from customer_mrr
    inner join first_touch
        on customer_mrr.customer_id = first_touch.customer_id
    where customer_mrr.movement = 'new'
),

-- Blended: every marketing and sales expense of the month over every new customer.
blended_events as (
    select
        month,
        acquisition_spend as spend,
        0 as new_customers
    from spend
    union all
    select
        month,
        0 as spend,
        1 as new_customers
    from new_customers
),

activity_range as (
    select min(blended_events.month) as first_month
    from blended_events
),

blended_months as (
    select calendar_months.month
    from calendar_months
    cross join activity_range
    cross join reporting_period
    where
        calendar_months.month >= activity_range.first_month
        and calendar_months.month <= reporting_period.as_of_month
),

blended as (
    select
        blended_months.month,
        'all' as channel,
        coalesce(sum(blended_events.spend), 0) as acquisition_spend,
        coalesce(sum(blended_events.new_customers), 0) as new_customers
    from blended_months
    left join blended_events
        on blended_months.month = blended_events.month
    group by blended_months.month
),

-- Per channel: the marketing spend booked to the channel over the new customers whose first
-- touch was that channel.
channel_events as (
    select
        month,
        channel,
        marketing_spend as spend,
        0 as new_customers
    from spend
    where channel <> 'unattributed'
    union all
    select
        month,
        channel,
        0 as spend,
        1 as new_customers
    from new_customers
),

by_channel as (
    select
        channel_events.month,
        channel_events.channel,
        sum(channel_events.spend) as acquisition_spend,
        sum(channel_events.new_customers) as new_customers
    from channel_events
    cross join reporting_period
    where channel_events.month <= reporting_period.as_of_month
    group by channel_events.month, channel_events.channel
    having sum(channel_events.spend) <> 0 or sum(channel_events.new_customers) > 0
),

combined as (
    select * from blended
    union all
    select * from by_channel
),

final as (
    select
        month,
        channel,
        {{ money('acquisition_spend') }} as acquisition_spend,
        cast(new_customers as integer) as new_customers,
        {{ money(safe_ratio('acquisition_spend', 'new_customers')) }} as cac
    from combined
)

select * from final
