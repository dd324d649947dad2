with

deals as (
    select * from {{ ref('base_crm__deals') }}
),

staged as (
    select
        deal_id,
        company_id,
        owner_id,
        deal_name,
        pipeline,
        deal_stage,
        amount,
        currency,
        created_at,
        closed_at,
        is_deleted,
        updated_at,
        fate_computed_at
    from deals
    where row_status = 'staged'
)

select * from staged
