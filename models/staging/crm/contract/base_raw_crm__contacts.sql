-- Source adapter: the contract's raw `contacts`, selected, renamed and parsed
-- into canonical columns, and nothing else. The staging skeleton (base_crm__contacts)
-- versions, checks and fates each row.
with

source as (
    select
        *,
        {{ raw_row_number() }} as raw_row_number
    from {{ raw_table('raw_crm', 'contacts') }}
),

typed as (
    select
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
        {{ adapter_tracking_columns(
            unparseable=first_unparseable_column({
                'created_at': 'timestamp',
                'became_lead_at': 'timestamp',
                'became_mql_at': 'timestamp',
                'became_sql_at': 'timestamp',
                'became_opportunity_at': 'timestamp',
                'became_customer_at': 'timestamp',
                'is_deleted': 'boolean',
                'updated_at': 'timestamp',
            }),
        ) }}
    from source
)

select * from typed
