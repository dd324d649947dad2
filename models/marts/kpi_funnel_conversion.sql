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

contact_stage_times as (
    select
        cohort_contacts.contact_id,
        cohort_contacts.cohort_month,
        cohort_contacts.channel,
        cohort_contacts.furthest_stage_order,
        stage_pairs.from_stage,
        stage_pairs.to_stage,
        stage_pairs.from_order,
        stage_pairs.to_order,
        case stage_pairs.from_order
            {%- for stage in funnel_stage_names()[:-1] %}
                when {{ loop.index }} then cohort_contacts.reached_{{ stage }}_at
            {%- endfor %}
        end as entered_at,
        case stage_pairs.to_order
            {%- for stage in funnel_stage_names()[1:] %}
                when {{ loop.index + 1 }} then cohort_contacts.reached_{{ stage }}_at
            {%- endfor %}
        end as converted_at
    from cohort_contacts
    cross join stage_pairs
),

-- A contact entered a stage when it reached it or any later one; it converted when it also
-- reached the next stage, and converted within the window when it did so within
-- `funnel_conversion_window_days` of entering.
contact_pairs as (
    select
        cohort_month,
        channel,
        from_stage,
        to_stage,
        case when furthest_stage_order >= from_order then 1 else 0 end as has_entered,
        case when furthest_stage_order >= to_order then 1 else 0 end as has_converted,
        case
            when
                furthest_stage_order >= to_order
                -- In minutes, so that no engine drops fractions of a second at the boundary.
                and converted_at <= {{ add_minutes(
                    funnel_conversion_window_days() ~ ' * 1440', 'entered_at'
                ) }}
                then 1
            else 0
        end as has_converted_within_window
    from contact_stage_times
),

by_channel as (
    select
        cohort_month,
        channel,
        from_stage,
        to_stage,
        sum(has_entered) as entered,
        sum(has_converted) as converted,
        sum(has_converted_within_window) as converted_within_window
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
        sum(converted) as converted,
        sum(converted_within_window) as converted_within_window
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
        combined.cohort_month,
        combined.channel,
        combined.from_stage,
        combined.to_stage,
        cast(combined.entered as integer) as entered,
        cast(combined.converted as integer) as converted,
        {{ safe_ratio('combined.converted', 'combined.entered') }} as conversion_rate,
        cast(combined.converted_within_window as integer) as converted_within_window,
        {{ safe_ratio('combined.converted_within_window', 'combined.entered') }}
            as conversion_rate_within_window,
        {{ funnel_cohort_is_mature('combined.cohort_month', 'reporting_period.cutoff_at') }}
            as is_mature
    from combined
    cross join reporting_period
)

select * from final
