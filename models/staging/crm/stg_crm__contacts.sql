with

contacts as (
    select * from {{ ref('base_crm__contacts') }}
),

staged as (
    select
        contact_id,
        email,
        first_name,
        last_name,
        company_id,
        owner_id,
        lead_source,
        channel,
        lifecycle_stage,
        created_at,
        became_lead_at,
        became_mql_at,
        became_sql_at,
        became_opportunity_at,
        became_customer_at,
        is_deleted,
        updated_at,
        fate_computed_at
    from contacts
    where row_status = 'staged'
)

select * from staged
