with

companies as (
    select * from {{ ref('base_crm__companies') }}
),

staged as (
    select
        company_id,
        company_name,
        website_domain,
        industry,
        country_code,
        employee_count,
        owner_id,
        created_at,
        updated_at,
        is_deleted,
        fate_computed_at
    from companies
    where row_status = 'staged'
)

select * from staged
