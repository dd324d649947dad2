-- One row per raw deal row, with its fate (macros/staging/staging_skeleton.sql). The latest
-- update wins; a deal without an amount needs no known currency.
{{ stage_rows(
    rows=canonical_adapter('crm', 'deals'),
    key=['deal_id'],
    latest_first=['updated_at desc nulls last'],
    lookups=[
        {'alias': 'deal_stage', 'relation': ref('deal_stages'), 'key': 'deal_stage'},
        {'alias': 'currency', 'relation': ref('currencies'), 'key': 'currency_code', 'on': 'currency'},
    ],
    checks=[
        ('unknown pipeline',
            "pipeline is null or pipeline not in ('new_business', 'expansion', 'renewal')"),
        ('unknown deal_stage', 'not deal_stage_found'),
        ('unknown currency', 'amount is not null and not currency_found'),
    ],
) }}
