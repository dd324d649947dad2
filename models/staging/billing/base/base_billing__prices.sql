-- One row per raw price (plan) of the catalogue, with its fate
-- (macros/staging/staging_skeleton.sql).
{{ stage_rows(
    rows=canonical_adapter('billing', 'prices'),
    key=['price_id'],
    lookups=[
        {'alias': 'currency', 'relation': ref('currencies'), 'key': 'currency_code', 'on': 'currency',
            'columns': {'minor_units': 'minor_units'}},
    ],
    checks=[
        ('unknown billing_interval',
            "billing_interval is null or billing_interval not in ('day', 'week', 'month', 'year')"),
        ('invalid interval_count', 'interval_count is null or interval_count < 1'),
        ('negative unit_amount', 'unit_amount_minor < 0'),
        ('unknown currency', 'not currency_found'),
    ],
    money=['unit_amount'],
) }}
