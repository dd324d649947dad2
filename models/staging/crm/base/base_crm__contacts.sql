-- One row per raw contact row, with its fate (macros/staging/staging_skeleton.sql). The latest
-- update wins; a lead source outside the channel list is the channel `unknown`.
{{ stage_rows(
    rows=canonical_adapter('crm', 'contacts'),
    key=['contact_id'],
    latest_first=['updated_at desc nulls last'],
    lookups=[
        {'alias': 'lifecycle_stage', 'relation': ref('lifecycle_stages'), 'key': 'lifecycle_stage'},
        {'alias': 'channel', 'relation': ref('channels'), 'key': 'channel',
            'on': 'lead_source_normalized', 'columns': {'channel': 'listed_channel'}},
    ],
    derived={'channel': "coalesce(listed_channel, 'unknown')"},
    checks=[
        ('unknown lifecycle_stage', 'lifecycle_stage is not null and not lifecycle_stage_found'),
    ],
) }}
