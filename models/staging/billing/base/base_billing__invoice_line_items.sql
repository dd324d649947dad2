-- One row per raw invoice line, with its fate (macros/staging/staging_skeleton.sql). A line is
-- in its invoice's currency; a line without its own subscription belongs to its invoice's; a
-- line of a test-mode invoice is test-mode.
{{ stage_rows(
    rows=canonical_adapter('billing', 'invoice_line_items'),
    key=['line_item_id'],
    lookups=[
        {'alias': 'invoice', 'relation': ref('base_billing__invoices'), 'key': 'invoice_id',
            'has_fates': true, 'columns': {
                'currency': 'currency',
                'minor_units': 'minor_units',
                'subscription_id': 'invoice_subscription_id',
            }},
        {'alias': 'price', 'relation': ref('base_billing__prices'), 'key': 'price_id',
            'has_fates': true},
        {'alias': 'subscription', 'relation': ref('base_billing__subscriptions'),
            'key': 'subscription_id', 'has_fates': true},
    ],
    test_mode_from=['invoice'],
    derived={
        'resolved_subscription_id': 'coalesce(subscription_id, invoice_subscription_id)',
    },
    checks=[
        ('unknown line_type',
            "line_type is null or line_type not in ('subscription', 'invoiceitem')"),
        ('negative quantity', 'quantity < 0'),
        ('period end before start', 'period_end_at < period_start_at'),
        ('orphan invoice_id', 'not invoice_found'),
        ('orphan price_id', 'price_id is not null and not price_found'),
        ('recurring line without price', "line_type = 'subscription' and price_id is null"),
        ('orphan subscription_id', 'subscription_id is not null and not subscription_found'),
        ('recurring line without subscription',
            "line_type = 'subscription' and resolved_subscription_id is null"),
    ],
    money=['amount', 'discount_amount'],
) }}
