-- One row per raw invoice row, with its fate (macros/staging/staging_skeleton.sql). A re-loaded
-- invoice (e.g. open, then paid) keeps its last row; an invoice of a test-mode customer is
-- test-mode.
{{ stage_rows(
    rows=canonical_adapter('billing', 'invoices'),
    key=['invoice_id'],
    lookups=[
        {'alias': 'currency', 'relation': ref('currencies'), 'key': 'currency_code', 'on': 'currency',
            'columns': {'minor_units': 'minor_units'}},
        {'alias': 'customer', 'relation': ref('base_billing__customers'), 'key': 'customer_id',
            'has_fates': true},
        {'alias': 'subscription', 'relation': ref('base_billing__subscriptions'),
            'key': 'subscription_id', 'has_fates': true},
    ],
    test_mode_from=['customer'],
    checks=[
        ('unknown status',
            "status is null or status not in ('draft', 'open', 'paid', 'void', 'uncollectible')"),
        ('unknown currency', 'not currency_found'),
        ('period end before start', 'period_end_at < period_start_at'),
        ('orphan customer_id', 'not customer_found'),
        ('orphan subscription_id', 'subscription_id is not null and not subscription_found'),
    ],
    money=['subtotal', 'discount_total', 'tax', 'total', 'amount_paid'],
) }}
