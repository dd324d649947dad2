-- Source adapter: Salesforce's people, `lead` and `contact` as Fivetran lands them, in canonical
-- columns. A lead is a person until it is converted; then it and the contact it became are one
-- person, keyed by the contact (a lead's latest version says which): the lead's rows come first
-- in load order and the contact's rows carry the lead's funnel, so the contact wins. Funnel dates,
-- natively (docs/fivetran_salesforce.md):
--   lead         the lead's creation (a contact without a lead: its own)
--   mql, sql     the first change of the lead's status into a status the company's seed
--                salesforce_lead_statuses maps to that stage (lead_history; the status a lead
--                was created with counts from its creation)
--   opportunity  the lead's conversion (lead_history's `leadConverted`, else converted_date)
--   customer     the first won deal of the person's account, from the person's creation at the
--                earliest
-- A stage var salesforce_stage_date_columns maps is read from that Lead/Contact column instead
-- (the contact's value, else its lead's). The channel is the lead source through the seed
-- salesforce_lead_sources (case-insensitive). A lead whose status the seed does not list is
-- quarantined.
{%- set stage_columns = salesforce_stage_date_columns() %}
{%- set lead_account_column = column_name_var('salesforce_lead_account_column') %}
{%- if reads_raw_data() and model.resource_type != 'unit_test' and stage_columns %}
    {%- set present = raw_relation_columns(source('salesforce', 'lead'))
        + raw_relation_columns(source('salesforce', 'contact')) %}
    {%- for stage, column in stage_columns.items() if column not in present %}
        {{ exceptions.raise_compiler_error(
            "var salesforce_stage_date_columns: the " ~ stage ~ " column `" ~ column
            ~ "` is in neither the Salesforce lead nor the contact table") }}
    {%- endfor %}
{%- endif %}
{%- set stages = ['lead', 'mql', 'sql', 'opportunity', 'customer'] %}
{#- Per stage, which reading dates it: `custom` (the var's column) or `native`. #}
{%- set reading = {} %}
{%- for stage in stages %}
    {%- do reading.update({stage: 'custom' if stage in stage_columns else 'native'}) %}
{%- endfor %}
{%- set lead_checks = {
    'leads.created_date': 'timestamp',
    'leads.last_modified_date': 'timestamp',
    'leads.converted_date': 'timestamp',
    'leads.is_converted': 'boolean',
    'leads.is_deleted': 'boolean',
    'leads._fivetran_synced': 'timestamp',
} %}
{%- set contact_checks = {
    'contacts.created_date': 'timestamp',
    'contacts.last_modified_date': 'timestamp',
    'contacts.is_deleted': 'boolean',
    'contacts._fivetran_synced': 'timestamp',
} %}
{%- for column in stage_columns.values() %}
    {%- do lead_checks.update({'leads.' ~ column: 'timestamp'}) %}
    {%- do contact_checks.update({'contacts.' ~ column: 'timestamp'}) %}
{%- endfor %}
with

leads as (
    select * from {{ salesforce_rows('lead') }}
),

contacts as (
    select * from {{ salesforce_rows('contact') }}
),

lead_count as (
    select count(*) as lead_rows from leads
),

statuses as (
    select
        {{ salesforce_picklist_key('status') }} as status_key,
        funnel_stage
    from {{ ref('salesforce_lead_statuses') }}
),

sources as (
    select
        {{ salesforce_picklist_key('lead_source') }} as source_key,
        channel
    from {{ ref('salesforce_lead_sources') }}
),

-- Each lead's latest version (latest change, then load order): the person it is now.
latest_leads as (
    select *
    from (
        select
            {{ clean_text('id') }} as lead_id,
            {{ clean_text('converted_contact_id') }} as converted_contact_id,
            coalesce({{ parse_boolean('is_converted') }}, false) as is_converted,
            {{ parse_timestamp('created_date') }} as lead_created_at,
            {{ parse_timestamp('last_modified_date') }} as lead_updated_at,
            {{ parse_timestamp('converted_date') }} as converted_on,
            {{ clean_text('status') }} as status,
            {{ clean_text('lead_source') }} as lead_source,
            {%- for column in stage_columns.values() | unique %}
            {{ column }},
            {%- endfor %}
            row_number() over (
                partition by {{ clean_text('id') }}
                order by
                    {{ parse_timestamp('last_modified_date') }} desc nulls last,
                    raw_row_number desc
            ) as version_rank
        from leads
    ) as versions
    where version_rank = 1
),

-- The lead each contact was converted from (the latest, should there be several).
converted_leads as (
    select *
    from (
        select
            latest_leads.*,
            row_number() over (
                partition by latest_leads.converted_contact_id
                order by latest_leads.lead_updated_at desc nulls last, latest_leads.lead_id asc
            ) as conversion_rank
        from latest_leads
        where latest_leads.is_converted and latest_leads.converted_contact_id is not null
    ) as conversions
    where conversion_rank = 1
),

history as (
    select
        {{ clean_text('lead_id') }} as lead_id,
        lower({{ clean_text('field') }}) as field_name,
        {{ salesforce_picklist_key('old_value') }} as old_status_key,
        {{ salesforce_picklist_key('new_value') }} as new_value_key,
        {{ parse_timestamp('created_date') }} as changed_at
    from {{ raw_table('salesforce', 'lead_history') }}
    where
        lower({{ clean_text('field') }}) in ('status', 'leadconverted')
        and not {{ fivetran_is_deleted(['is_deleted', '_fivetran_deleted']) }}
),

-- The status a lead was created with: the old value of its first status change, else its
-- status now.
first_status_changes as (
    select
        lead_id,
        old_status_key,
        row_number() over (partition by lead_id order by changed_at) as change_rank
    from history
    where field_name = 'status' and changed_at is not null
),

status_entries as (
    select
        history.lead_id,
        statuses.funnel_stage,
        history.changed_at as entered_at
    from history
    inner join statuses
        on history.new_value_key = statuses.status_key
    where history.field_name = 'status'
    union all
    select
        latest_leads.lead_id,
        statuses.funnel_stage,
        latest_leads.lead_created_at as entered_at
    from latest_leads
    left join first_status_changes
        on
            latest_leads.lead_id = first_status_changes.lead_id
            and first_status_changes.change_rank = 1
    inner join statuses
        on
            coalesce(
                first_status_changes.old_status_key,
                {{ salesforce_picklist_key('latest_leads.status') }}
            )
            = statuses.status_key
),

lead_funnels as (
    select
        latest_leads.lead_id,
        min(case when status_entries.funnel_stage = 'mql' then status_entries.entered_at end)
            as became_mql_at,
        min(case when status_entries.funnel_stage = 'sql' then status_entries.entered_at end)
            as became_sql_at
    from latest_leads
    left join status_entries
        on latest_leads.lead_id = status_entries.lead_id
    group by latest_leads.lead_id
),

conversions as (
    select
        lead_id,
        min(changed_at) as converted_at
    from history
    where field_name = 'leadconverted' and new_value_key = 'true'
    group by lead_id
),

-- Each account's first won deal (staged, not deleted).
first_wins as (
    select
        company_id,
        min(closed_at) as first_won_at
    from {{ ref('base_crm__deals') }}
    where row_status = 'staged' and deal_stage = 'closedwon' and closed_at is not null
    group by company_id
),

-- One row per raw lead row: the person its lead is now (its contact, once converted).
lead_people as (
    select
        coalesce(
            case when latest_leads.is_converted then latest_leads.converted_contact_id end,
            {{ clean_text('leads.id') }}
        ) as contact_id,
        {{ clean_text('leads.id') }} as lead_id,
        {{ clean_text('leads.email') }} as email,
        {{ clean_text('leads.first_name') }} as first_name,
        {{ clean_text('leads.last_name') }} as last_name,
        case
            when coalesce({{ parse_boolean('leads.is_converted') }}, false)
                then {{ clean_text('leads.converted_account_id') }}
            {%- if lead_account_column %}
            else {{ clean_text('leads.' ~ lead_account_column) }}
            {%- endif %}
        end as company_id,
        {{ clean_text('leads.owner_id') }} as owner_id,
        {{ clean_text('leads.lead_source') }} as lead_source,
        {{ parse_timestamp('leads.created_date') }} as created_at,
        coalesce({{ parse_boolean('leads.is_converted') }}, false) as is_converted,
        {%- for stage in stages if stage in stage_columns %}
        {{ parse_timestamp('leads.' ~ stage_columns[stage]) }} as custom_{{ stage }}_at,
        {%- endfor %}
        {{ salesforce_is_deleted('leads') }} as is_deleted,
        {{ parse_timestamp('leads.last_modified_date') }} as updated_at,
        case
            when
                {{ clean_text('leads.status') }} is not null
                and lead_statuses.status_key is null
                then 'unknown lead status'
        end as source_quarantine_reason,
        leads.raw_row_number,
        {{ first_unparseable_column(lead_checks) }} as unparseable_column
    from leads
    left join latest_leads
        on {{ clean_text('leads.id') }} = latest_leads.lead_id
    left join statuses as lead_statuses
        on {{ salesforce_picklist_key('leads.status') }} = lead_statuses.status_key
),

-- One row per raw contact row, with its lead's funnel; after every lead row in load order.
contact_people as (
    select
        {{ clean_text('contacts.id') }} as contact_id,
        converted_leads.lead_id,
        {{ clean_text('contacts.email') }} as email,
        {{ clean_text('contacts.first_name') }} as first_name,
        {{ clean_text('contacts.last_name') }} as last_name,
        {{ clean_text('contacts.account_id') }} as company_id,
        {{ clean_text('contacts.owner_id') }} as owner_id,
        coalesce({{ clean_text('contacts.lead_source') }}, converted_leads.lead_source)
            as lead_source,
        coalesce(
            converted_leads.lead_created_at, {{ parse_timestamp('contacts.created_date') }}
        ) as created_at,
        converted_leads.lead_id is not null as is_converted,
        {%- for stage in stages if stage in stage_columns %}
        coalesce(
            {{ parse_timestamp('contacts.' ~ stage_columns[stage]) }},
            {{ parse_timestamp('converted_leads.' ~ stage_columns[stage]) }}
        ) as custom_{{ stage }}_at,
        {%- endfor %}
        {{ salesforce_is_deleted('contacts') }} as is_deleted,
        {{ later_of(
            parse_timestamp('contacts.last_modified_date'), 'converted_leads.lead_updated_at'
        ) }} as updated_at,
        cast(null as {{ dbt.type_string() }}) as source_quarantine_reason,
        lead_count.lead_rows + contacts.raw_row_number as raw_row_number,
        {{ first_unparseable_column(contact_checks) }} as unparseable_column
    from contacts
    cross join lead_count
    left join converted_leads
        on {{ clean_text('contacts.id') }} = converted_leads.converted_contact_id
),

people as (
    select * from lead_people
    union all
    select * from contact_people
),

dated as (
    select
        people.*,
        people.created_at as native_lead_at,
        lead_funnels.became_mql_at as native_mql_at,
        lead_funnels.became_sql_at as native_sql_at,
        case
            when people.is_converted
                then coalesce(conversions.converted_at, latest_leads.converted_on)
        end as native_opportunity_at,
        case
            when first_wins.first_won_at is not null
                then {{ later_of('first_wins.first_won_at', 'people.created_at') }}
        end as native_customer_at
    from people
    left join latest_leads
        on people.lead_id = latest_leads.lead_id
    left join lead_funnels
        on people.lead_id = lead_funnels.lead_id
    left join conversions
        on people.lead_id = conversions.lead_id
    left join first_wins
        on people.company_id = first_wins.company_id
),

typed as (
    select
        dated.contact_id,
        dated.email,
        dated.first_name,
        dated.last_name,
        dated.company_id,
        dated.owner_id,
        dated.lead_source,
        -- Null when the seed has no row for the source: the skeleton reads it as `unknown`, and
        -- a warn-severity test counts such contacts.
        sources.channel as lead_source_normalized,
        dated.{{ reading.lead }}_lead_at as became_lead_at,
        dated.{{ reading.mql }}_mql_at as became_mql_at,
        dated.{{ reading.sql }}_sql_at as became_sql_at,
        dated.{{ reading.opportunity }}_opportunity_at as became_opportunity_at,
        dated.{{ reading.customer }}_customer_at as became_customer_at,
        dated.created_at,
        dated.is_deleted,
        dated.updated_at,
        {{ adapter_tracking_columns(
            raw_row_number='dated.raw_row_number',
            unparseable='dated.unparseable_column',
            source_quarantine_reason='dated.source_quarantine_reason',
        ) }}
    from dated
    left join sources
        on {{ salesforce_picklist_key('dated.lead_source') }} = sources.source_key
),

final as (
    select
        contact_id,
        email,
        first_name,
        last_name,
        company_id,
        owner_id,
        lead_source,
        lead_source_normalized,
        -- The furthest funnel stage reached, as the contract's lifecycle stage.
        case
            when became_customer_at is not null then 'customer'
            when became_opportunity_at is not null then 'opportunity'
            when became_sql_at is not null then 'salesqualifiedlead'
            when became_mql_at is not null then 'marketingqualifiedlead'
            when became_lead_at is not null then 'lead'
        end as lifecycle_stage,
        created_at,
        became_lead_at,
        became_mql_at,
        became_sql_at,
        became_opportunity_at,
        became_customer_at,
        is_deleted,
        updated_at,
        raw_row_number,
        raw_file,
        raw_line,
        unparseable_column,
        is_livemode,
        is_source_deleted,
        source_quarantine_reason
    from typed
)

select * from final
