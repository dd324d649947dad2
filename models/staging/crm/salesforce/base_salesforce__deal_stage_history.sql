-- Source adapter: Salesforce's `opportunity_history` as Fivetran lands it, in canonical columns.
-- A row that restates the stage before it (an amount or close-date change) is that stage's
-- entry again, with the entry's instant: the skeleton counts it a duplicate of the entry. The
-- stage is named by the company's seed salesforce_opportunity_stages; an unmapped stage name is
-- kept as it is (quarantined as `unknown deal_stage`).
with

entries as (
    select * from {{ salesforce_stage_entries() }}
),

typed as (
    select
        opportunity_id as deal_id,
        coalesce(deal_stage, stage_name) as deal_stage,
        entered_at,
        {{ adapter_tracking_columns(
            unparseable=first_unparseable_column({
                'created_date': 'timestamp',
                '_fivetran_synced': 'timestamp',
            }),
            is_source_deleted='is_source_deleted',
        ) }}
    from entries
)

select * from typed
