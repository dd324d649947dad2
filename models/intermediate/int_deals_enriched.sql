-- Each live deal with its outcome, cycle length, converted amount and the time it spent in each
-- open stage of the pipeline (from the stage history; a reopened deal that moved backwards adds
-- up every visit to a stage). Read as of the as-of instant (macros/as_of.sql): a deal opened
-- later is left out; a deal closed later is still open, at the stage it had entered by then.
-- Incremental (macros/incremental.sql): a run recomputes the open deals, those dated in the
-- window and those whose staged row changed; a deal deleted since loses its row.
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='recompute',
    recompute_keys='deals_to_recompute',
    on_schema_change='fail',
) }}

with

{% if is_incremental() %}
    deals_to_recompute as (
        {{ deals_changed_since_recompute() }}
    ),
{% endif %}

deals as (
    select * from {{ ref('stg_crm__deals') }}
    {% if is_incremental() %}
        where deal_id in (select deal_id from deals_to_recompute)
    {% endif %}
),

deal_stage_history as (
    select * from {{ ref('stg_crm__deal_stage_history') }}
    {% if is_incremental() %}
        where deal_id in (select deal_id from deals_to_recompute)
    {% endif %}
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

known_stage_entries as (
    select
        deal_id,
        deal_stage,
        entered_at
    from deal_stage_history
    where {{ is_known_at_as_of('entered_at') }}
),

-- The stage each deal had entered by the as-of instant (the latest entry; the furthest stage
-- breaks a tie), for the deals that moved after it.
stages_at_as_of as (
    select
        known_stage_entries.deal_id,
        known_stage_entries.deal_stage,
        row_number() over (
            partition by known_stage_entries.deal_id
            order by known_stage_entries.entered_at desc, deal_stages.stage_order desc
        ) as recency_rank
    from known_stage_entries
    inner join deal_stages
        on known_stage_entries.deal_stage = deal_stages.deal_stage
),

-- A deal that moved or closed after the as-of instant with no earlier stage entry was, at the
-- as-of instant, still in some open stage: the pipeline's first.
open_stages as (
    select
        deal_stage,
        row_number() over (order by stage_order) as stage_rank
    from deal_stages
    where not is_closed
),

first_open_stage as (
    select deal_stage
    from open_stages
    where stage_rank = 1
),

deals_moved_after_as_of as (
    select distinct deal_id
    from deal_stage_history
    where not {{ is_known_at_as_of('entered_at') }}
),

deals_at_as_of as (
    select
        deals.deal_id,
        deals.company_id,
        deals.owner_id,
        deals.pipeline,
        -- A deal that moved or closed after the as-of instant is at the stage it had entered
        -- by then.
        case
            when
                deals_moved_after_as_of.deal_id is not null
                or not {{ is_known_at_as_of('deals.closed_at') }}
                then coalesce(stages_at_as_of.deal_stage, first_open_stage.deal_stage)
            else deals.deal_stage
        end as deal_stage,
        deals.amount,
        deals.currency,
        deals.created_at,
        {{ known_at_as_of('deals.closed_at') }} as closed_at
    from deals
    left join deals_moved_after_as_of
        on deals.deal_id = deals_moved_after_as_of.deal_id
    left join stages_at_as_of
        on deals.deal_id = stages_at_as_of.deal_id and stages_at_as_of.recency_rank = 1
    cross join first_open_stage
    where not deals.is_deleted and {{ is_known_at_as_of('deals.created_at') }}
),

live_deals as (
    select
        deals_at_as_of.*,
        deal_stages.is_closed and deals_at_as_of.closed_at is not null as is_closed,
        deal_stages.is_won and deals_at_as_of.closed_at is not null as is_won
    from deals_at_as_of
    inner join deal_stages
        on deals_at_as_of.deal_stage = deal_stages.deal_stage
),

-- Each visit to a stage lasts until the next stage entry; the last visit of an open deal lasts
-- until the as-of instant (its clock stops there).
stage_visits as (
    select
        known_stage_entries.deal_id,
        known_stage_entries.deal_stage,
        deal_stages.stage_order,
        known_stage_entries.entered_at,
        lead(known_stage_entries.entered_at) over (
            partition by known_stage_entries.deal_id
            order by known_stage_entries.entered_at, deal_stages.stage_order
        ) as left_at,
        lag(deal_stages.stage_order) over (
            partition by known_stage_entries.deal_id
            order by known_stage_entries.entered_at, deal_stages.stage_order
        ) as previous_stage_order
    from known_stage_entries
    inner join deal_stages
        on known_stage_entries.deal_stage = deal_stages.deal_stage
),

visit_durations as (
    select
        stage_visits.deal_id,
        stage_visits.deal_stage,
        stage_visits.stage_order < stage_visits.previous_stage_order as is_move_backwards,
        -- Days as a double: Spark reads 86400.0 as a decimal, and its average would be one too.
        {{ dbt.datediff(
            'stage_visits.entered_at',
            'coalesce(stage_visits.left_at, reporting_period.cutoff_at)',
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
