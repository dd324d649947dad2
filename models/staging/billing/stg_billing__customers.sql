with

customers as (
    select * from {{ ref('base_billing__customers') }}
),

staged as (
    select
        customer_id,
        email,
        customer_name,
        crm_company_id,
        email_domain,
        country_code,
        currency,
        created_at,
        is_deleted,
        fate_computed_at
    from customers
    where row_status = 'staged'
)

select * from staged
