-- One row per raw deal row, with its fate (macros/staging/staging_skeleton.sql). The latest
-- update wins; a deal without an amount needs no known currency. A live deal of a company
-- deleted in the CRM cannot be (deleting an account deletes its deals): quarantined.
{{ stage_rows(
    rows=canonical_adapter('crm', 'deals'),
    key=['deal_id'],
    latest_first=['updated_at desc nulls last'],
    lookups=[
        {'alias': 'deal_stage', 'relation': ref('deal_stages'), 'key': 'deal_stage'},
        {'alias': 'currency', 'relation': ref('currencies'), 'key': 'currency_code', 'on': 'currency'},
        {'alias': 'deleted_company', 'key': 'company_id', 'relation':
            "(select company_id from " ~ ref('base_crm__companies')
            ~ " where row_status = 'staged' and is_deleted)",
            'changes_with': ref('base_crm__companies')},
    ],
    checks=[
        ('unknown pipeline',
            "pipeline is null or pipeline not in ('new_business', 'expansion', 'renewal')"),
        ('unknown deal_stage', 'not deal_stage_found'),
        ('unknown currency', 'amount is not null and not currency_found'),
        ('company deleted', 'not coalesce(is_deleted, false) and deleted_company_found'),
    ],
) }}
