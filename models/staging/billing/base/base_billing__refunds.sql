-- One row per raw refund row, with its fate (macros/staging/staging_skeleton.sql). A refund of a
-- test-mode invoice is test-mode.
{{ stage_rows(
    rows=canonical_adapter('billing', 'refunds'),
    key=['refund_id'],
    lookups=[
        {'alias': 'currency', 'relation': ref('currencies'), 'key': 'currency_code', 'on': 'currency',
            'columns': {'minor_units': 'minor_units'}},
        {'alias': 'invoice', 'relation': ref('base_billing__invoices'), 'key': 'invoice_id',
            'has_fates': true},
    ],
    test_mode_from=['invoice'],
    checks=[
        ('unknown status',
            "status is null or status not in ('succeeded', 'pending', 'failed', 'canceled')"),
        ('negative amount', 'amount_minor < 0'),
        ('unknown currency', 'not currency_found'),
        ('orphan invoice_id', 'not invoice_found'),
    ],
    money=['amount'],
) }}
