-- Source adapter: Salesforce's `opportunity` as Fivetran lands it (in history mode, every
-- version), in canonical columns. Closed and won come from the opportunity's own is_closed and
-- is_won; an open stage is named by the seed salesforce_opportunity_stages, the pipeline by the
-- seed salesforce_opportunity_types (from `type`). `close_date` is a date (the expected one
-- while open): a closed deal closed at its last entry into a closed stage in
-- opportunity_history, else at the start of its close date (UTC).
with

source as (
    select * from {{ salesforce_rows('opportunity') }}
),

stages as (
    select
        {{ salesforce_picklist_key('stage_name') }} as stage_key,
        deal_stage
    from {{ ref('salesforce_opportunity_stages') }}
),

opportunity_types as (
    select
        {{ salesforce_picklist_key('opportunity_type') }} as type_key,
        pipeline
    from {{ ref('salesforce_opportunity_types') }}
),

closed_stages as (
    select deal_stage
    from {{ ref('deal_stages') }}
    where is_closed
),

closings as (
    select
        entries.opportunity_id,
        max(entries.entered_at) as closed_at
    from {{ salesforce_stage_entries('entries') }}
    inner join closed_stages
        on entries.deal_stage = closed_stages.deal_stage
    where not entries.is_source_deleted
    group by entries.opportunity_id
),

flagged as (
    select
        source.*,
        coalesce({{ parse_boolean('source.is_closed') }}, false) as is_closed_flag,
        coalesce({{ parse_boolean('source.is_won') }}, false) as is_won_flag
    from source
),

typed as (
    select
        {{ clean_text('flagged.id') }} as deal_id,
        {{ clean_text('flagged.account_id') }} as company_id,
        {{ clean_text('flagged.owner_id') }} as owner_id,
        {{ clean_text('flagged.name') }} as deal_name,
        coalesce(
            opportunity_types.pipeline, {{ salesforce_picklist_key('flagged.type') }}
        ) as pipeline,
        case
            when flagged.is_closed_flag and flagged.is_won_flag then 'closedwon'
            when flagged.is_closed_flag then 'closedlost'
            else coalesce(stages.deal_stage, {{ clean_text('flagged.stage_name') }})
        end as deal_stage,
        {{ parse_decimal('flagged.amount') }} as amount,
        {{ parse_currency(
            'coalesce(' ~ clean_text('flagged.currency_iso_code') ~ ', '
            ~ salesforce_default_currency_literal() ~ ')'
        ) }} as currency,
        {{ parse_timestamp('flagged.created_date') }} as created_at,
        case
            when flagged.is_closed_flag
                then coalesce(closings.closed_at, {{ parse_timestamp('flagged.close_date') }})
        end as closed_at,
        {{ salesforce_is_deleted('flagged') }} as is_deleted,
        {{ parse_timestamp('flagged.last_modified_date') }} as updated_at,
        {{ adapter_tracking_columns(
            raw_row_number='flagged.raw_row_number',
            unparseable=first_unparseable_column({
                'flagged.amount': 'decimal',
                'flagged.created_date': 'timestamp',
                'flagged.close_date': 'timestamp',
                'flagged.is_closed': 'boolean',
                'flagged.is_won': 'boolean',
                'flagged.is_deleted': 'boolean',
                'flagged.last_modified_date': 'timestamp',
                'flagged._fivetran_synced': 'timestamp',
            }),
        ) }}
    from flagged
    left join stages
        on {{ salesforce_picklist_key('flagged.stage_name') }} = stages.stage_key
    left join opportunity_types
        on {{ salesforce_picklist_key('flagged.type') }} = opportunity_types.type_key
    left join closings
        on {{ clean_text('flagged.id') }} = closings.opportunity_id
)

select * from typed
