-- One row per raw owner row, with its fate (macros/staging/staging_skeleton.sql).
{{ stage_rows(
    rows=canonical_adapter('crm', 'owners'),
    key=['owner_id'],
) }}
