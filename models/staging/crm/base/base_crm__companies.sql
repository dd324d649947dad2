-- One row per raw companies row, typed, with its fate: staged, duplicate or quarantined.
with

source as (
    select
        *,
        {{ raw_row_number() }} as raw_row_number
    from {{ raw_table('raw_crm', 'companies') }}
),

typed as (
    select
        raw_row_number,
        {{ rejected_line_columns() }},
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
        {{ first_unparseable_column({
            'employee_count': 'integer',
            'created_at': 'timestamp',
            'updated_at': 'timestamp',
            'is_deleted': 'boolean',
        }) }} as unparseable_column
    from source
),

versioned as (
    select
        *,
        row_number() over (
            partition by company_id
            order by updated_at desc nulls last, raw_row_number desc
        ) as version_rank
    from typed
),

checked as (
    select
        *,
        case
            when company_id is null then 'null key'
            when unparseable_column is not null
                then {{ dbt.concat(["'unparseable '", "unparseable_column"]) }}
        end as quarantine_reason
    from versioned
),

final as (
    select
        *,
        case
            when company_id is not null and version_rank > 1 then 'duplicate'
            when quarantine_reason is not null then 'quarantined'
            else 'staged'
        end as row_status
    from checked
)

select * from final
