with

invoices as (
    select * from {{ ref('base_billing__invoices') }}
),

staged as (
    select
        invoice_id,
        customer_id,
        subscription_id,
        status,
        billing_reason,
        currency,
        created_at,
        period_start_at,
        period_end_at,
        subtotal,
        discount_total,
        tax,
        total,
        amount_paid,
        paid_at,
        fate_computed_at
    from invoices
    where row_status = 'staged'
)

select * from staged
