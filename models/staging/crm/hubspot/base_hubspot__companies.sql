-- Source adapter: HubSpot's `company` as Fivetran lands it, in canonical columns. A company
-- deleted in HubSpot (is_deleted, or _fivetran_deleted) stays, flagged, as in the contract.
with

source as (
    select * from {{ fivetran_rows('hubspot', 'company') }}
),

typed as (
    select
        {{ clean_text('id') }} as company_id,
        {{ clean_text('property_name') }} as company_name,
        lower({{ clean_text('property_domain') }}) as website_domain,
        lower({{ clean_text('property_industry') }}) as industry,
        upper({{ clean_text('property_country') }}) as country_code,
        {{ parse_integer('property_numberofemployees') }} as employee_count,
        {{ clean_text('property_hubspot_owner_id') }} as owner_id,
        {{ parse_timestamp('property_createdate') }} as created_at,
        {{ parse_timestamp('property_hs_lastmodifieddate') }} as updated_at,
        {{ fivetran_is_deleted(['is_deleted', '_fivetran_deleted']) }} as is_deleted,
        {{ adapter_tracking_columns(
            unparseable=first_unparseable_column({
                'property_numberofemployees': 'integer',
                'property_createdate': 'timestamp',
                'property_hs_lastmodifieddate': 'timestamp',
                'is_deleted': 'boolean',
                '_fivetran_deleted': 'boolean',
                '_fivetran_synced': 'timestamp',
            }),
        ) }}
    from source
)

select * from typed
