with

refunds as (
    select * from {{ ref('base_billing__refunds') }}
),

staged as (
    select
        refund_id,
        invoice_id,
        amount,
        currency,
        status,
        created_at,
        reason,
        fate_computed_at
    from refunds
    where row_status = 'staged'
)

select * from staged
