-- One row per raw FX rate row, with its fate (macros/staging/staging_skeleton.sql). A rate is
-- keyed by its currency and date; a later load of the same pair wins.
{{ stage_rows(
    rows=canonical_adapter('finance', 'fx_rates'),
    key=['currency', 'rate_date'],
    lookups=[
        {'alias': 'currency', 'relation': ref('currencies'), 'key': 'currency_code', 'on': 'currency'},
    ],
    checks=[
        ('non-positive rate', 'rate_to_usd is null or rate_to_usd <= 0'),
        ('unknown currency', 'not currency_found'),
    ],
) }}
