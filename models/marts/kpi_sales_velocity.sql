with

deals as (
    select * from {{ ref('int_deals_enriched') }}
),

reporting_period as (
    select * from {{ ref('int_reporting_period') }}
),

-- A deal counts as an opportunity in the month it was created and as closed (won or lost) in
-- the month it was closed.
deal_events as (
    select
        created_month as month,
        pipeline,
        1 as is_opportunity,
        0 as is_closed,
        0 as is_won,
        cast(null as {{ type_double() }}) as won_amount,
        cast(null as {{ type_double() }}) as won_cycle_days
    from deals
    union all
    select
        closed_month as month,
        pipeline,
        0 as is_opportunity,
        1 as is_closed,
        case when is_won then 1 else 0 end as is_won,
        case when is_won then converted_amount end as won_amount,
        case when is_won then sales_cycle_days end as won_cycle_days
    from deals
    where is_closed
),

events_by_pipeline as (
    select deal_events.*
    from deal_events
    cross join reporting_period
    where deal_events.month <= reporting_period.as_of_month
    union all
    select
        deal_events.month,
        'all' as pipeline,
        deal_events.is_opportunity,
        deal_events.is_closed,
        deal_events.is_won,
        deal_events.won_amount,
        deal_events.won_cycle_days
    from deal_events
    cross join reporting_period
    where deal_events.month <= reporting_period.as_of_month
),

monthly as (
    select
        month,
        pipeline,
        sum(is_opportunity) as opportunities,
        sum(is_closed) as closed_deals,
        sum(is_won) as won_deals,
        avg(won_amount) as avg_deal_size,
        avg(won_cycle_days) as avg_sales_cycle_days
    from events_by_pipeline
    group by month, pipeline
),

with_win_rate as (
    select
        *,
        {{ safe_ratio('won_deals', 'closed_deals') }} as win_rate
    from monthly
),

-- Revenue per day the pipeline generates.
with_velocity as (
    select
        *,
        {{ safe_ratio('opportunities * win_rate * avg_deal_size', 'avg_sales_cycle_days') }}
            as sales_velocity
    from with_win_rate
),

final as (
    select
        month,
        pipeline,
        cast(opportunities as integer) as opportunities,
        cast(closed_deals as integer) as closed_deals,
        cast(won_deals as integer) as won_deals,
        win_rate,
        {{ money('avg_deal_size') }} as avg_deal_size,
        avg_sales_cycle_days,
        {{ money('sales_velocity') }} as sales_velocity
    from with_velocity
)

select * from final
