-- Source adapter: HubSpot's `contact` as Fivetran lands it (every property a `property_<name>`
-- column), in canonical columns. Each funnel date is the first given of: the newer portals'
-- `hs_v2_date_entered_<stage>`, the classic `hs_lifecyclestage_<stage>_date`, and the earliest
-- `contact_property_history` change of `lifecyclestage` into that stage. The channel is the
-- original source (and its drill-down) mapped by the company's seed hubspot_source_channels.
-- A contact deleted in HubSpot, or merged into another one, is flagged deleted.
{%- set unparseable_columns = {
    'source.property_createdate': 'timestamp',
    'source.property_lastmodifieddate': 'timestamp',
    'source._fivetran_deleted': 'boolean',
    'source._fivetran_synced': 'timestamp',
} %}
{%- for hubspot_stage in hubspot_funnel_stages().values() %}
    {%- do unparseable_columns.update({
        'source.property_hs_v2_date_entered_' ~ hubspot_stage: 'timestamp',
        'source.property_hs_lifecyclestage_' ~ hubspot_stage ~ '_date': 'timestamp',
    }) %}
{%- endfor %}
with

source as (
    select * from {{ fivetran_rows('hubspot', 'contact') }}
),

stage_history as (
    select
        {{ clean_text('contact_id') }} as contact_id,
        {{ hubspot_stage_history_columns() }}
    from {{ raw_table('hubspot', 'contact_property_history') }}
    where
        lower({{ clean_text('name') }}) = 'lifecyclestage'
        and not {{ fivetran_is_deleted(['_fivetran_deleted']) }}
    group by {{ clean_text('contact_id') }}
),

contact_ids as (
    select {{ clean_text('id') }} as contact_id
    from source
),

-- `;`-delimited lists of the ids merged into each surviving contact.
survivors as (
    select
        {{ dbt.concat(["';'", clean_text('property_hs_merged_object_ids'), "';'"]) }}
            as merged_ids
    from source
    where {{ clean_text('property_hs_merged_object_ids') }} is not null
),

merged_away as (
    select distinct contact_ids.contact_id
    from contact_ids
    inner join survivors
        on survivors.merged_ids like {{ dbt.concat(["'%;'", "contact_ids.contact_id", "';%'"]) }}
),

channels as (
    select
        upper(hs_analytics_source) as hs_analytics_source,
        lower(coalesce(hs_analytics_source_data_1, '')) as hs_analytics_source_data_1,
        channel
    from {{ ref('hubspot_source_channels') }}
),

typed as (
    select
        {{ clean_text('source.id') }} as contact_id,
        {{ clean_text('source.property_email') }} as email,
        {{ clean_text('source.property_firstname') }} as first_name,
        {{ clean_text('source.property_lastname') }} as last_name,
        {{ clean_text('source.property_associatedcompanyid') }} as company_id,
        {{ clean_text('source.property_hubspot_owner_id') }} as owner_id,
        {{ clean_text('source.property_hs_analytics_source') }} as lead_source,
        -- Null when the seed has no row for the source: the skeleton reads it as `unknown`, and
        -- a warn-severity test counts such contacts.
        coalesce(exact_channels.channel, any_drill_down_channels.channel)
            as lead_source_normalized,
        lower({{ clean_text('source.property_lifecyclestage') }}) as lifecycle_stage,
        {{ parse_timestamp('source.property_createdate') }} as created_at,
        {{ hubspot_stage_date_columns('source', 'stage_history') }},
        (
            {{ fivetran_is_deleted(['source._fivetran_deleted']) }}
            or merged_away.contact_id is not null
        ) as is_deleted,
        {{ parse_timestamp('source.property_lastmodifieddate') }} as updated_at,
        {{ adapter_tracking_columns(
            raw_row_number='source.raw_row_number',
            unparseable=first_unparseable_column(unparseable_columns),
        ) }}
    from source
    left join stage_history
        on {{ clean_text('source.id') }} = stage_history.contact_id
    left join merged_away
        on {{ clean_text('source.id') }} = merged_away.contact_id
    left join channels as exact_channels
        on
            upper({{ clean_text('source.property_hs_analytics_source') }})
            = exact_channels.hs_analytics_source
            and lower({{ clean_text('source.property_hs_analytics_source_data_1') }})
            = exact_channels.hs_analytics_source_data_1
    left join channels as any_drill_down_channels
        on
            upper({{ clean_text('source.property_hs_analytics_source') }})
            = any_drill_down_channels.hs_analytics_source
            and any_drill_down_channels.hs_analytics_source_data_1 = ''
)

select * from typed
