-- One row per raw subscription row (version), with its fate
-- (macros/staging/staging_skeleton.sql). A subscription of a test-mode customer is test-mode.
{{ stage_rows(
    rows=canonical_adapter('billing', 'subscriptions'),
    key=['subscription_id'],
    lookups=[
        {'alias': 'customer', 'relation': ref('base_billing__customers'), 'key': 'customer_id',
            'has_fates': true},
    ],
    test_mode_from=['customer'],
    checks=[
        ('unknown status',
            "status is null or status not in ('trialing', 'active', 'past_due', 'unpaid',"
            ~ " 'canceled', 'incomplete', 'incomplete_expired')"),
        ('period end before start', 'current_period_end_at < current_period_start_at'),
        ('orphan customer_id', 'not customer_found'),
    ],
) }}
