-- Source adapter: the contract's raw `companies`, selected, renamed and parsed
-- into canonical columns, and nothing else. The staging skeleton (base_crm__companies)
-- versions, checks and fates each row.
with

source as (
    select
        *,
        {{ raw_row_number() }} as raw_row_number
    from {{ raw_table('raw_crm', 'companies') }}
),

typed as (
    select
        {{ clean_text('company_id') }} as company_id,
        {{ clean_text('name') }} as company_name,
        lower({{ clean_text('domain') }}) as website_domain,
        lower({{ clean_text('industry') }}) as industry,
        upper({{ clean_text('country') }}) as country_code,
        {{ parse_integer('employee_count') }} as employee_count,
        {{ clean_text('owner_id') }} as owner_id,
        {{ parse_timestamp('created_at') }} as created_at,
        {{ parse_timestamp('updated_at') }} as updated_at,
        coalesce({{ parse_boolean('is_deleted') }}, false) as is_deleted,
        {{ adapter_tracking_columns(
            unparseable=first_unparseable_column({
                'employee_count': 'integer',
                'created_at': 'timestamp',
                'updated_at': 'timestamp',
                'is_deleted': 'boolean',
            }),
        ) }}
    from source
)

select * from typed
