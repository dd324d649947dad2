with

invoice_line_items as (
    select * from {{ ref('base_billing__invoice_line_items') }}
),

staged as (
    select
        line_item_id,
        invoice_id,
        resolved_subscription_id as subscription_id,
        price_id,
        line_type,
        is_proration,
        quantity,
        amount,
        discount_amount,
        currency,
        period_start_at,
        period_end_at,
        description,
        fate_computed_at
    from invoice_line_items
    where row_status = 'staged'
)

select * from staged
