-- Raw billing rows that break the contract, with the reason. Nothing is dropped silently: every
-- raw row is staged, a superseded duplicate, a test-mode row, deleted in the source, or here.
-- Stripe's line discounts are rows of their own table there (`discount`).
{%- set tables = [
    ('customers', 'base_billing__customers', 'customer_id'),
    ('prices', 'base_billing__prices', 'price_id'),
    ('subscriptions', 'base_billing__subscriptions', 'subscription_id'),
    ('invoices', 'base_billing__invoices', 'invoice_id'),
    ('invoice_line_items', 'base_billing__invoice_line_items', 'line_item_id'),
    ('refunds', 'base_billing__refunds', 'refund_id'),
] %}
{%- if billing_source() == 'fivetran_stripe' and var('stripe_line_discounts_from') == 'discount' %}
    {%- do tables.append(('discount', 'base_stripe__line_discounts', 'discount_id')) %}
{%- endif %}
{{ quarantined_rows(tables) }}
