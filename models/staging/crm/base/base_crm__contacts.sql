-- One row per raw contacts row, typed, with its fate: staged, duplicate or quarantined.
with

source as (
    select
        *,
        {{ raw_row_number() }} as raw_row_number
    from {{ raw_table('raw_crm', 'contacts') }}
),

lifecycle_stages as (
    select * from {{ ref('lifecycle_stages') }}
),

channels as (
    select * from {{ ref('channels') }}
),

typed as (
    select
        raw_row_number,
        {{ rejected_line_columns() }},
        {{ clean_text('contact_id') }} as contact_id,
        {{ clean_text('email') }} as email,
        {{ clean_text('first_name') }} as first_name,
        {{ clean_text('last_name') }} as last_name,
        {{ clean_text('company_id') }} as company_id,
        {{ clean_text('owner_id') }} as owner_id,
        {{ clean_text('lead_source') }} as lead_source,
        {{ normalize_channel_name('lead_source') }} as lead_source_normalized,
        lower({{ clean_text('lifecycle_stage') }}) as lifecycle_stage,
        {{ parse_timestamp('created_at') }} as created_at,
        {{ parse_timestamp('became_lead_at') }} as became_lead_at,
        {{ parse_timestamp('became_mql_at') }} as became_mql_at,
        {{ parse_timestamp('became_sql_at') }} as became_sql_at,
        {{ parse_timestamp('became_opportunity_at') }} as became_opportunity_at,
        {{ parse_timestamp('became_customer_at') }} as became_customer_at,
        coalesce({{ parse_boolean('is_deleted') }}, false) as is_deleted,
        {{ parse_timestamp('updated_at') }} as updated_at,
        {{ first_unparseable_column({
            'created_at': 'timestamp',
            'became_lead_at': 'timestamp',
            'became_mql_at': 'timestamp',
            'became_sql_at': 'timestamp',
            'became_opportunity_at': 'timestamp',
            'became_customer_at': 'timestamp',
            'is_deleted': 'boolean',
            'updated_at': 'timestamp',
        }) }} as unparseable_column
    from source
),

versioned as (
    select
        *,
        row_number() over (
            partition by contact_id
            order by updated_at desc nulls last, raw_row_number desc
        ) as version_rank
    from typed
),

checked as (
    select
        versioned.*,
        coalesce(channels.channel, 'unknown') as channel,
        case
            when versioned.contact_id is null then 'null key'
            when versioned.unparseable_column is not null
                then {{ dbt.concat(["'unparseable '", "versioned.unparseable_column"]) }}
            when versioned.lifecycle_stage is not null and lifecycle_stages.lifecycle_stage is null
                then 'unknown lifecycle_stage'
        end as quarantine_reason
    from versioned
    left join lifecycle_stages
        on versioned.lifecycle_stage = lifecycle_stages.lifecycle_stage
    left join channels
        on versioned.lead_source_normalized = channels.channel
),

final as (
    select
        *,
        case
            when contact_id is not null and version_rank > 1 then 'duplicate'
            when quarantine_reason is not null then 'quarantined'
            else 'staged'
        end as row_status
    from checked
)

select * from final
