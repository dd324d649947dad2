with

owners as (
    select * from {{ ref('base_crm__owners') }}
),

staged as (
    select
        owner_id,
        email,
        first_name,
        last_name,
        team,
        is_active,
        fate_computed_at
    from owners
    where row_status = 'staged'
)

select * from staged
