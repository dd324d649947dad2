-- Raw finance rows that break the contract, with the reason. Nothing is dropped silently: every
-- raw row is staged, a superseded duplicate, or here.
with

expenses as (
    select * from {{ ref('base_finance__expenses') }}
),

fx_rates as (
    select * from {{ ref('base_finance__fx_rates') }}
),

quarantined as (
    select
        'expenses' as source_table,
        expense_id as record_key,
        raw_row_number,
        raw_file,
        raw_line,
        quarantine_reason
    from expenses
    where row_status = 'quarantined'

    union all

    select
        'fx_rates' as source_table,
        {{ dbt.concat(["currency", "'|'", dbt.safe_cast("rate_date", dbt.type_string())]) }}
            as record_key,
        raw_row_number,
        raw_file,
        raw_line,
        quarantine_reason
    from fx_rates
    where row_status = 'quarantined'
)

select * from quarantined
