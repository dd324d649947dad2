with

deal_stage_history as (
    select * from {{ ref('base_crm__deal_stage_history') }}
),

staged as (
    select
        deal_stage_entry_id,
        deal_id,
        deal_stage,
        entered_at,
        fate_computed_at
    from deal_stage_history
    where row_status = 'staged'
)

select * from staged
