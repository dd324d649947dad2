with

funnel_stages as (
    select * from {{ ref('int_contact_funnel_stages') }}
),

reporting_period as (
    select * from {{ ref('int_reporting_period') }}
),

stage_pairs as (
    select
        'lead' as from_stage,
        'mql' as to_stage,
        1 as from_order,
        2 as to_order
    union all
    select
        'mql' as from_stage,
        'sql' as to_stage,
        2 as from_order,
        3 as to_order
    union all
    select
        'sql' as from_stage,
        'opportunity' as to_stage,
        3 as from_order,
        4 as to_order
    union all
    select
        'opportunity' as from_stage,
        'customer' as to_stage,
        4 as from_order,
        5 as to_order
    union all
    -- The whole funnel.
    select
        'lead' as from_stage,
        'customer' as to_stage,
        1 as from_order,
        5 as to_order
),

cohort_contacts as (
    select funnel_stages.*
    from funnel_stages
    cross join reporting_period
    where funnel_stages.cohort_month <= reporting_period.as_of_month
),

-- A contact entered a stage when it reached it or any later one; it converted when it also
-- reached the next stage (skipped stages count as passed).
contact_pairs as (
    select
        cohort_contacts.cohort_month,
        cohort_contacts.channel,
        stage_pairs.from_stage,
        stage_pairs.to_stage,
        case
            when cohort_contacts.furthest_stage_order >= stage_pairs.from_order then 1 else 0
        end as has_entered,
        case
            when cohort_contacts.furthest_stage_order >= stage_pairs.to_order then 1 else 0
        end as has_converted
    from cohort_contacts
    cross join stage_pairs
),

by_channel as (
    select
        cohort_month,
        channel,
        from_stage,
        to_stage,
        sum(has_entered) as entered,
        sum(has_converted) as converted
    from contact_pairs
    group by cohort_month, channel, from_stage, to_stage
),

all_channels as (
    select
        cohort_month,
        'all' as channel,
        from_stage,
        to_stage,
        sum(entered) as entered,
        sum(converted) as converted
    from by_channel
    group by cohort_month, from_stage, to_stage
),

combined as (
    select * from by_channel
    union all
    select * from all_channels
),

final as (
    select
        cohort_month,
        channel,
        from_stage,
        to_stage,
        cast(entered as integer) as entered,
        cast(converted as integer) as converted,
        {{ safe_ratio('converted', 'entered') }} as conversion_rate
    from combined
)

select * from final
