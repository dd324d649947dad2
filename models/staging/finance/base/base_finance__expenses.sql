-- One row per raw expense row, with its fate (macros/staging/staging_skeleton.sql). Spend not
-- attributable to one channel has none; a channel outside the list is `unknown`.
{{ stage_rows(
    rows=canonical_adapter('finance', 'expenses'),
    key=['expense_id'],
    lookups=[
        {'alias': 'currency', 'relation': ref('currencies'), 'key': 'currency_code', 'on': 'currency'},
        {'alias': 'channel', 'relation': ref('channels'), 'key': 'channel',
            'on': 'channel_normalized', 'columns': {'channel': 'listed_channel'}},
    ],
    derived={
        'channel': "case when channel_normalized is not null"
            ~ " then coalesce(listed_channel, 'unknown') end",
    },
    checks=[
        ('missing incurred_on', 'incurred_date is null'),
        ('unknown currency', 'not currency_found'),
    ],
) }}
