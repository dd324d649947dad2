-- One row per raw company row, with its fate (macros/staging/staging_skeleton.sql). The latest
-- update wins.
{{ stage_rows(
    rows=canonical_adapter('crm', 'companies'),
    key=['company_id'],
    latest_first=['updated_at desc nulls last'],
) }}
