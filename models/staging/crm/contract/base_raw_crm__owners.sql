-- Source adapter: the contract's raw `owners`, selected, renamed and parsed
-- into canonical columns, and nothing else. The staging skeleton (base_crm__owners)
-- versions, checks and fates each row.
with

source as (
    select
        *,
        {{ raw_row_number() }} as raw_row_number
    from {{ raw_table('raw_crm', 'owners') }}
),

typed as (
    select
        {{ clean_text('owner_id') }} as owner_id,
        {{ clean_text('email') }} as email,
        {{ clean_text('first_name') }} as first_name,
        {{ clean_text('last_name') }} as last_name,
        lower({{ clean_text('team') }}) as team,
        {{ parse_boolean('is_active') }} as is_active,
        {{ adapter_tracking_columns(
            unparseable=first_unparseable_column({'is_active': 'boolean'}),
        ) }}
    from source
)

select * from typed
