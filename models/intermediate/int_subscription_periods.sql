-- Stretches of constant MRR of each subscription, [valid_from, valid_to). Each change (a new
-- billing period, a mid-period upgrade or downgrade) takes effect at its start and ends the rate
-- before it; pieces starting at the same instant add up (several items).
-- Incremental (macros/incremental.sql): a run recomputes each subscription that can have changed
-- (a piece running on or after the recompute instant, a period reaching it, a status that
-- carries its MRR forward, or a cancellation since) from its first period reaching the window,
-- or its latest period, whichever starts first, and never later than the recompute instant.
-- The periods before stay: their pieces are kept, so where they end and whether the next one
-- starts an island (a stretch at another MRR) cannot change.
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='recompute',
    recompute_column='valid_to',
    recompute_keys='latest_subscription_periods_to_recompute',
    on_schema_change='fail',
) }}

with

all_pieces as (
    select * from {{ ref('int_subscription_mrr_pieces') }}
),

subscriptions as (
    select * from {{ ref('stg_billing__subscriptions') }}
),

{% if is_incremental() %}
    subscriptions_to_recompute as (
        {{ subscriptions_to_recompute() }}
    ),

    -- Where each subscription's recomputed periods start: its first built period reaching the
    -- window, else its latest one (a status may carry it forward now).
    built_periods_from as (
        select
            subscription_id,
            min(valid_from) as rebuilt_from
        from (
            select
                subscription_id,
                valid_from
            from {{ this }}
            where valid_to >= {{ incremental_recompute_from() }}
            union all
            select
                subscription_id,
                max(valid_from) as valid_from
            from {{ this }}
            group by subscription_id
        ) as candidates
        group by subscription_id
    ),
{% endif %}

pieces as (
    select all_pieces.*
    from all_pieces
    {% if is_incremental() %}
        inner join subscriptions_to_recompute
            on all_pieces.subscription_id = subscriptions_to_recompute.subscription_id
        left join built_periods_from
            on all_pieces.subscription_id = built_periods_from.subscription_id
        where
            all_pieces.piece_start_at >= case
                when built_periods_from.rebuilt_from < {{ incremental_recompute_from() }}
                    then built_periods_from.rebuilt_from
                else {{ incremental_recompute_from() }}
            end
    {% endif %}
),

reporting_period as (
    select * from {{ ref('int_reporting_period') }}
),

change_points as (
    select
        subscription_id,
        customer_id,
        piece_start_at,
        max(piece_end_at) as piece_end_at,
        max(currency) as currency,
        sum(mrr_local) as mrr_local,
        sum(mrr) as mrr
    from pieces
    group by subscription_id, customer_id, piece_start_at
),

segments as (
    select
        subscription_id,
        customer_id,
        currency,
        mrr_local,
        mrr,
        piece_start_at as valid_from,
        lead(piece_start_at) over (
            partition by subscription_id order by piece_start_at
        ) as next_change_at,
        piece_end_at
    from change_points
),

bounded_segments as (
    select
        subscription_id,
        customer_id,
        currency,
        mrr_local,
        mrr,
        valid_from,
        case
            when next_change_at < piece_end_at then next_change_at
            else piece_end_at
        end as valid_to
    from segments
),

non_empty_segments as (
    select *
    from bounded_segments
    where valid_to > valid_from
),

-- Adjacent segments at the same MRR are one period (gaps and islands).
island_starts as (
    select
        *,
        case
            when
                lag(valid_to) over (partition by subscription_id order by valid_from) = valid_from
                and lag(mrr) over (partition by subscription_id order by valid_from) = mrr
                and lag(mrr_local) over (partition by subscription_id order by valid_from)
                = mrr_local
                then 0
            else 1
        end as is_island_start
    from non_empty_segments
),

islands as (
    select
        *,
        sum(is_island_start) over (
            partition by subscription_id
            order by valid_from
            rows between unbounded preceding and current row
        ) as island_number
    from island_starts
),

merged as (
    select
        subscription_id,
        customer_id,
        island_number,
        max(currency) as currency,
        max(mrr_local) as mrr_local,
        max(mrr) as mrr,
        min(valid_from) as valid_from,
        max(valid_to) as valid_to
    from islands
    group by subscription_id, customer_id, island_number
),

ranked as (
    select
        merged.*,
        row_number() over (
            partition by merged.subscription_id order by merged.valid_from desc
        ) as recency_rank
    from merged
),

-- Each subscription's state at the as-of instant (macros/as_of.sql). The subscriptions table is
-- current state: an end or a cancellation request dated after the as-of instant had not
-- happened yet, so a subscription ended since was still live then.
subscriptions_at_as_of as (
    select
        subscription_id,
        case
            when status = 'canceled' and not {{ is_known_at_as_of('ended_at') }} then 'active'
            else status
        end as status,
        is_canceled_at_period_end
        and {{ is_known_at_as_of('canceled_at') }} as is_canceled_at_period_end,
        {{ known_at_as_of('ended_at') }} as ended_at
    from subscriptions
),

-- An active or past-due subscription keeps its last MRR up to the as-of month while its next
-- invoice is not issued yet: no false churn at the edge of the data.
carried_forward as (
    select
        ranked.subscription_id,
        ranked.customer_id,
        ranked.currency,
        ranked.mrr_local,
        ranked.mrr,
        ranked.valid_from,
        ranked.valid_to,
        coalesce(
            ranked.recency_rank = 1
            and subscriptions_at_as_of.status
            in {{ word_list_literal('mrr_carry_forward_statuses') }}
            and not subscriptions_at_as_of.is_canceled_at_period_end
            and subscriptions_at_as_of.ended_at is null
            and ranked.valid_to < cast(reporting_period.month_after_as_of_month as timestamp),
            false
        ) as is_carried_forward
    from ranked
    inner join subscriptions_at_as_of
        on ranked.subscription_id = subscriptions_at_as_of.subscription_id
    cross join reporting_period
),

final as (
    select
        {{ dbt.hash(dbt.concat([
            "carried_forward.subscription_id", "'|'",
            dbt.safe_cast("carried_forward.valid_from", dbt.type_string())
        ])) }} as subscription_period_id,
        carried_forward.subscription_id,
        carried_forward.customer_id,
        carried_forward.valid_from,
        case
            when carried_forward.is_carried_forward
                then cast(reporting_period.month_after_as_of_month as timestamp)
            else carried_forward.valid_to
        end as valid_to,
        carried_forward.valid_to as billed_until,
        carried_forward.is_carried_forward,
        carried_forward.currency,
        carried_forward.mrr_local,
        carried_forward.mrr
    from carried_forward
    cross join reporting_period
)

select * from final
