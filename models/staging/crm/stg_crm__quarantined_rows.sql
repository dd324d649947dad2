-- Raw CRM rows that break the contract, with the reason. Nothing is dropped silently: every raw
-- row is staged, a superseded duplicate, or here.
with

contacts as (
    select * from {{ ref('base_crm__contacts') }}
),

companies as (
    select * from {{ ref('base_crm__companies') }}
),

deals as (
    select * from {{ ref('base_crm__deals') }}
),

deal_stage_history as (
    select * from {{ ref('base_crm__deal_stage_history') }}
),

owners as (
    select * from {{ ref('base_crm__owners') }}
),

quarantined as (
    select
        'contacts' as source_table,
        contact_id as record_key,
        raw_row_number,
        raw_file,
        raw_line,
        quarantine_reason
    from contacts
    where row_status = 'quarantined'

    union all

    select
        'companies' as source_table,
        company_id as record_key,
        raw_row_number,
        raw_file,
        raw_line,
        quarantine_reason
    from companies
    where row_status = 'quarantined'

    union all

    select
        'deals' as source_table,
        deal_id as record_key,
        raw_row_number,
        raw_file,
        raw_line,
        quarantine_reason
    from deals
    where row_status = 'quarantined'

    union all

    select
        'deal_stage_history' as source_table,
        deal_id as record_key,
        raw_row_number,
        raw_file,
        raw_line,
        quarantine_reason
    from deal_stage_history
    where row_status = 'quarantined'

    union all

    select
        'owners' as source_table,
        owner_id as record_key,
        raw_row_number,
        raw_file,
        raw_line,
        quarantine_reason
    from owners
    where row_status = 'quarantined'
)

select * from quarantined
