-- One row per raw billing customer, with its fate (macros/staging/staging_skeleton.sql).
-- Test-mode accounts are never counted anywhere. The e-mail's domain is what the CRM link falls
-- back on (int_customer_crm_links): the domain, not the address, leaves staging.
{{ stage_rows(
    rows=canonical_adapter('billing', 'customers'),
    key=['customer_id'],
    lookups=[
        {'alias': 'currency', 'relation': ref('currencies'), 'key': 'currency_code', 'on': 'currency'},
    ],
    derived={
        'email_domain': 'lower(' ~ dbt.split_part('email', "'@'", 2) ~ ')',
    },
    checks=[
        ('unknown currency', 'not currency_found'),
    ],
) }}
