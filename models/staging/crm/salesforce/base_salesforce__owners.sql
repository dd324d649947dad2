-- Source adapter: Salesforce's `user` as Fivetran lands it, in canonical columns; the team is
-- the user's department, lower case. Salesforce deactivates users rather than deleting them.
with

source as (
    select * from {{ salesforce_rows('user') }}
),

typed as (
    select
        {{ clean_text('id') }} as owner_id,
        {{ clean_text('email') }} as email,
        {{ clean_text('first_name') }} as first_name,
        {{ clean_text('last_name') }} as last_name,
        lower({{ clean_text('department') }}) as team,
        {{ parse_boolean('is_active') }} as is_active,
        {{ adapter_tracking_columns(
            unparseable=first_unparseable_column({
                'is_active': 'boolean',
                '_fivetran_synced': 'timestamp',
            }),
            is_source_deleted=fivetran_is_deleted(['_fivetran_deleted']) ~ ' or '
                ~ salesforce_current_version() ~ ' = 0',
        ) }}
    from source
)

select * from typed
