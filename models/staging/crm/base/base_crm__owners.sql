-- One row per raw owners row, typed, with its fate: staged, duplicate or quarantined.
with

source as (
    select
        *,
        {{ raw_row_number() }} as raw_row_number
    from {{ raw_table('raw_crm', 'owners') }}
),

typed as (
    select
        raw_row_number,
        {{ rejected_line_columns() }},
        {{ clean_text('owner_id') }} as owner_id,
        {{ clean_text('email') }} as email,
        {{ clean_text('first_name') }} as first_name,
        {{ clean_text('last_name') }} as last_name,
        lower({{ clean_text('team') }}) as team,
        {{ parse_boolean('is_active') }} as is_active,
        {{ first_unparseable_column({'is_active': 'boolean'}) }} as unparseable_column
    from source
),

versioned as (
    select
        *,
        row_number() over (
            partition by owner_id
            order by raw_row_number desc
        ) as version_rank
    from typed
),

checked as (
    select
        *,
        case
            when owner_id is null then 'null key'
            when unparseable_column is not null
                then {{ dbt.concat(["'unparseable '", "unparseable_column"]) }}
        end as quarantine_reason
    from versioned
),

final as (
    select
        *,
        case
            when owner_id is not null and version_rank > 1 then 'duplicate'
            when quarantine_reason is not null then 'quarantined'
            else 'staged'
        end as row_status
    from checked
)

select * from final
