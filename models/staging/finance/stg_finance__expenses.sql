with

expenses as (
    select * from {{ ref('base_finance__expenses') }}
),

staged as (
    select
        expense_id,
        incurred_date,
        department,
        category,
        channel,
        amount,
        currency,
        fate_computed_at
    from expenses
    where row_status = 'staged'
)

select * from staged
