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
        reason
    from refunds
    where row_status = 'staged'
)

select * from staged
