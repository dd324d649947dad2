-- Source adapter: HubSpot's `owner` as Fivetran lands it, in canonical columns. HubSpot keeps an
-- owner's teams elsewhere: `team` is empty.
with

source as (
    select * from {{ fivetran_rows('hubspot', 'owner') }}
),

typed as (
    select
        {{ clean_text('owner_id') }} as owner_id,
        {{ clean_text('email') }} as email,
        {{ clean_text('first_name') }} as first_name,
        {{ clean_text('last_name') }} as last_name,
        cast(null as {{ dbt.type_string() }}) as team,
        {{ parse_boolean('is_active') }} as is_active,
        {{ adapter_tracking_columns(
            unparseable=first_unparseable_column({
                'is_active': 'boolean',
                '_fivetran_synced': 'timestamp',
            }),
            is_source_deleted=fivetran_is_deleted(['_fivetran_deleted']),
        ) }}
    from source
)

select * from typed
