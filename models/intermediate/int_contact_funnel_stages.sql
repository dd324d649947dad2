-- Each contact's way through the funnel: the timestamp of each stage, the furthest stage
-- reached (a skipped stage counts as passed when a later one is reached), the cohort month and
-- whether the CRM recorded stages out of order. Deleted contacts are left out of every KPI; the
-- funnel is read as of the as-of instant (macros/as_of.sql): a contact created later is left out,
-- a stage reached later is not reached yet.
-- Incremental (macros/incremental.sql): a run recomputes the contacts created or changed since
-- the recompute instant; a contact deleted since loses its row.
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='recompute',
    recompute_keys='contacts_to_recompute',
    on_schema_change='fail',
) }}
-- depends_on: {{ ref('int_reporting_period') }}

with

contacts as (
    select * from {{ ref('stg_crm__contacts') }}
    {% if is_incremental() %}
        where {{ contact_changed_since_recompute() }}
    {% endif %}
),

live_contacts as (
    select
        contact_id,
        company_id,
        channel,
        created_at,
        {{ known_at_as_of('became_lead_at') }} as became_lead_at,
        {{ known_at_as_of('became_mql_at') }} as became_mql_at,
        {{ known_at_as_of('became_sql_at') }} as became_sql_at,
        {{ known_at_as_of('became_opportunity_at') }} as became_opportunity_at,
        {{ known_at_as_of('became_customer_at') }} as became_customer_at
    from contacts
    where not is_deleted and {{ is_known_at_as_of('created_at') }}
),

stage_events as (
    select
        contact_id,
        1 as stage_order,
        became_lead_at as stage_at
    from live_contacts
    union all
    select
        contact_id,
        2 as stage_order,
        became_mql_at as stage_at
    from live_contacts
    union all
    select
        contact_id,
        3 as stage_order,
        became_sql_at as stage_at
    from live_contacts
    union all
    select
        contact_id,
        4 as stage_order,
        became_opportunity_at as stage_at
    from live_contacts
    union all
    select
        contact_id,
        5 as stage_order,
        became_customer_at as stage_at
    from live_contacts
),

-- A stage is out of order when it is dated before a stage that precedes it in the funnel.
ordered_events as (
    select
        contact_id,
        stage_order,
        stage_at,
        max(stage_at) over (
            partition by contact_id
            order by stage_order
            rows between unbounded preceding and 1 preceding
        ) as latest_earlier_stage_at
    from stage_events
    where stage_at is not null
),

contact_progress as (
    select
        contact_id,
        max(stage_order) as furthest_stage_order,
        count(*) as stages_recorded,
        min(stage_at) as first_stage_at,
        max(case when stage_at < latest_earlier_stage_at then 1 else 0 end)
            as has_out_of_order_stages,
        -- When the contact first stood at each stage or beyond: the earliest timestamp of that
        -- stage or a later one (a skipped stage is passed when a later one is reached).
        min(case when stage_order >= 1 then stage_at end) as reached_lead_at,
        min(case when stage_order >= 2 then stage_at end) as reached_mql_at,
        min(case when stage_order >= 3 then stage_at end) as reached_sql_at,
        min(case when stage_order >= 4 then stage_at end) as reached_opportunity_at,
        min(case when stage_order >= 5 then stage_at end) as reached_customer_at
    from ordered_events
    group by contact_id
),

final as (
    select
        live_contacts.contact_id,
        live_contacts.company_id,
        live_contacts.channel,
        live_contacts.created_at,
        live_contacts.became_lead_at as lead_at,
        live_contacts.became_mql_at as mql_at,
        live_contacts.became_sql_at as sql_at,
        live_contacts.became_opportunity_at as opportunity_at,
        live_contacts.became_customer_at as customer_at,
        -- The cohort: when the contact became a lead, else its earliest stage, else creation.
        {{ month_of(
            'coalesce(live_contacts.became_lead_at, contact_progress.first_stage_at, '
            ~ 'live_contacts.created_at)'
        ) }} as cohort_month,
        coalesce(contact_progress.furthest_stage_order, 0) as furthest_stage_order,
        coalesce(contact_progress.furthest_stage_order, 0) >= 1 as has_reached_lead,
        coalesce(contact_progress.furthest_stage_order, 0) >= 2 as has_reached_mql,
        coalesce(contact_progress.furthest_stage_order, 0) >= 3 as has_reached_sql,
        coalesce(contact_progress.furthest_stage_order, 0) >= 4 as has_reached_opportunity,
        coalesce(contact_progress.furthest_stage_order, 0) >= 5 as has_reached_customer,
        coalesce(contact_progress.stages_recorded, 0)
        < coalesce(contact_progress.furthest_stage_order, 0) as has_skipped_stages,
        coalesce(contact_progress.has_out_of_order_stages, 0) = 1 as has_out_of_order_stages,
        contact_progress.reached_lead_at,
        contact_progress.reached_mql_at,
        contact_progress.reached_sql_at,
        contact_progress.reached_opportunity_at,
        contact_progress.reached_customer_at
    from live_contacts
    left join contact_progress
        on live_contacts.contact_id = contact_progress.contact_id
)

select * from final
