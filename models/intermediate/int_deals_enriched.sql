-- Each live deal with its outcome, cycle length, converted amount and the time it spent in each
-- open stage of the pipeline (from the stage history; a reopened deal that moved backwards adds
-- up every visit to a stage).
with

deals as (
    select * from {{ ref('stg_crm__deals') }}
),

deal_stage_history as (
    select * from {{ ref('stg_crm__deal_stage_history') }}
),

deal_stages as (
    select * from {{ ref('deal_stages') }}
),

fx_rates_daily as (
    select * from {{ ref('int_fx_rates_daily') }}
),

reporting_period as (
    select * from {{ ref('int_reporting_period') }}
),

live_deals as (
    select
        deals.*,
        deal_stages.is_closed and deals.closed_at is not null as is_closed,
        deal_stages.is_won and deals.closed_at is not null as is_won
    from deals
    inner join deal_stages
        on deals.deal_stage = deal_stages.deal_stage
    where not deals.is_deleted
),

-- Each visit to a stage lasts until the next stage entry; the last visit of an open deal lasts
-- until the end of the as-of date.
stage_visits as (
    select
        deal_stage_history.deal_id,
        deal_stage_history.deal_stage,
        deal_stages.stage_order,
        deal_stage_history.entered_at,
        lead(deal_stage_history.entered_at) over (
            partition by deal_stage_history.deal_id
            order by deal_stage_history.entered_at, deal_stages.stage_order
        ) as left_at,
        lag(deal_stages.stage_order) over (
            partition by deal_stage_history.deal_id
            order by deal_stage_history.entered_at, deal_stages.stage_order
        ) as previous_stage_order
    from deal_stage_history
    inner join deal_stages
        on deal_stage_history.deal_stage = deal_stages.deal_stage
),

visit_durations as (
    select
        stage_visits.deal_id,
        stage_visits.deal_stage,
        stage_visits.stage_order < stage_visits.previous_stage_order as is_move_backwards,
        -- Days as a double: Spark reads 86400.0 as a decimal, and its average would be one too.
        {{ dbt.datediff(
            'stage_visits.entered_at',
            'coalesce(stage_visits.left_at, '
            ~ dbt.dateadd('day', 1, 'cast(reporting_period.as_of_date as timestamp)') ~ ')',
            'second'
        ) }} / cast(86400 as {{ type_double() }}) as days_in_stage
    from stage_visits
    cross join reporting_period
),

stage_time as (
    select
        deal_id,
        count(*) as stage_entries,
        max(case when is_move_backwards then 1 else 0 end) as moved_backwards,
        sum(case when deal_stage = 'appointmentscheduled' then days_in_stage else 0 end)
            as days_in_appointmentscheduled,
        sum(case when deal_stage = 'qualifiedtobuy' then days_in_stage else 0 end)
            as days_in_qualifiedtobuy,
        sum(case when deal_stage = 'presentationscheduled' then days_in_stage else 0 end)
            as days_in_presentationscheduled,
        sum(case when deal_stage = 'decisionmakerboughtin' then days_in_stage else 0 end)
            as days_in_decisionmakerboughtin,
        sum(case when deal_stage = 'contractsent' then days_in_stage else 0 end)
            as days_in_contractsent
    from visit_durations
    group by deal_id
),

converted as (
    select
        live_deals.*,
        -- Converted at the close date, or at creation while the deal is open.
        {{ reporting_rate('live_deals.currency', 'fx_rates_daily.rate_to_reporting') }} as fx_rate
    from live_deals
    left join fx_rates_daily
        on
            live_deals.currency = fx_rates_daily.currency
            and cast(
                case
                    when live_deals.is_closed then live_deals.closed_at
                    else live_deals.created_at
                end as date
            ) = fx_rates_daily.rate_date
),

final as (
    select
        converted.deal_id,
        converted.company_id,
        converted.owner_id,
        converted.pipeline,
        converted.deal_stage,
        case
            when converted.is_won then 'won'
            when converted.is_closed then 'lost'
            else 'open'
        end as deal_status,
        converted.is_closed,
        converted.is_won,
        converted.created_at,
        converted.closed_at,
        {{ month_of('converted.created_at') }} as created_month,
        case when converted.is_closed then {{ month_of('converted.closed_at') }} end
            as closed_month,
        case
            when converted.is_closed
                then
                    {{ dbt.datediff('converted.created_at', 'converted.closed_at', 'second') }}
                    / cast(86400 as {{ type_double() }})
        end as sales_cycle_days,
        converted.amount,
        converted.currency,
        converted.fx_rate,
        converted.amount * converted.fx_rate as converted_amount,
        coalesce(stage_time.stage_entries, 0) as stage_entries,
        coalesce(stage_time.moved_backwards, 0) = 1 as has_moved_backwards,
        coalesce(stage_time.days_in_appointmentscheduled, 0) as days_in_appointmentscheduled,
        coalesce(stage_time.days_in_qualifiedtobuy, 0) as days_in_qualifiedtobuy,
        coalesce(stage_time.days_in_presentationscheduled, 0) as days_in_presentationscheduled,
        coalesce(stage_time.days_in_decisionmakerboughtin, 0) as days_in_decisionmakerboughtin,
        coalesce(stage_time.days_in_contractsent, 0) as days_in_contractsent
    from converted
    left join stage_time
        on converted.deal_id = stage_time.deal_id
)

select * from final
