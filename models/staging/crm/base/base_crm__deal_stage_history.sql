-- One row per raw stage entry, with its fate (macros/staging/staging_skeleton.sql). The table
-- has no key of its own: (deal_id, deal_stage, entered_at) identifies a row. Its hash,
-- deal_stage_entry_id, is computed once here: in the stg_ view every test of it hashed all rows
-- again (43 s of tests at 1M customers).
{{ stage_rows(
    rows=canonical_adapter('crm', 'deal_stage_history'),
    key=['deal_id', 'deal_stage', 'entered_at'],
    lookups=[
        {'alias': 'deal_stage', 'relation': ref('deal_stages'), 'key': 'deal_stage'},
        {'alias': 'deal', 'relation': ref('base_crm__deals'), 'key': 'deal_id', 'has_fates': true},
    ],
    derived={
        'deal_stage_entry_id': dbt.hash(dbt.concat([
            "deal_id", "'|'", "deal_stage", "'|'", dbt.safe_cast("entered_at", dbt.type_string())
        ])),
    },
    checks=[
        ('unknown deal_stage', 'not deal_stage_found'),
        ('orphan deal_id', 'not deal_found'),
    ],
) }}
