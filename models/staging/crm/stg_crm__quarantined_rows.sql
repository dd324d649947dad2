-- Raw CRM rows that break the contract, with the reason. Nothing is dropped silently: every raw
-- row is staged, a superseded duplicate, or here.
{{ quarantined_rows([
    ('contacts', 'base_crm__contacts', 'contact_id'),
    ('companies', 'base_crm__companies', 'company_id'),
    ('deals', 'base_crm__deals', 'deal_id'),
    ('deal_stage_history', 'base_crm__deal_stage_history', 'deal_id'),
    ('owners', 'base_crm__owners', 'owner_id'),
]) }}
