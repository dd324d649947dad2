-- Raw finance rows that break the contract, with the reason. Nothing is dropped silently: every
-- raw row is staged, a superseded duplicate, or here.
{{ quarantined_rows([
    ('expenses', 'base_finance__expenses', 'expense_id'),
    ('fx_rates', 'base_finance__fx_rates',
        dbt.concat(["currency", "'|'", dbt.safe_cast("rate_date", dbt.type_string())])),
]) }}
