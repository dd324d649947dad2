-- Source adapter: HubSpot's `deal_stage` (every stage a deal entered, `value` the stage id) as
-- Fivetran lands it, in canonical columns; the stage is named by hubspot_deal_stages. A stage id
-- missing from the pipelines has no canonical stage: quarantined as `unknown deal_stage`.
with

source as (
    select * from {{ fivetran_rows('hubspot', 'deal_stage') }}
),

stages as (
    select * from {{ hubspot_deal_stages() }}
),

typed as (
    select
        {{ clean_text('source.deal_id') }} as deal_id,
        coalesce(stages.deal_stage, {{ clean_text('source.value') }}) as deal_stage,
        {{ parse_timestamp('source.date_entered') }} as entered_at,
        {{ adapter_tracking_columns(
            raw_row_number='source.raw_row_number',
            unparseable=first_unparseable_column({
                'source.date_entered': 'timestamp',
                'source._fivetran_synced': 'timestamp',
            }),
            is_source_deleted=fivetran_is_deleted(['source._fivetran_deleted']),
        ) }}
    from source
    left join stages
        on {{ clean_text('source.value') }} = stages.stage_id
)

select * from typed
