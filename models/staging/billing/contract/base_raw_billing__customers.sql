-- Source adapter: the contract's raw `customers`, selected, renamed and parsed
-- into canonical columns, and nothing else. The staging skeleton (base_billing__customers)
-- versions, checks and fates each row.
with

source as (
    select
        *,
        {{ raw_row_number() }} as raw_row_number
    from {{ raw_table('raw_billing', 'customers') }}
),

typed as (
    select
        {{ clean_text('customer_id') }} as customer_id,
        {{ clean_text('email') }} as email,
        {{ clean_text('name') }} as customer_name,
        {{ clean_text('crm_company_id') }} as crm_company_id,
        upper({{ clean_text('country') }}) as country_code,
        {{ parse_currency('currency') }} as currency,
        {{ parse_timestamp('created_at') }} as created_at,
        coalesce({{ parse_boolean('is_deleted') }}, false) as is_deleted,
        -- Absent livemode means live: only an explicit false marks a test-mode account.
        {{ adapter_tracking_columns(
            unparseable=first_unparseable_column({
                'is_livemode': 'boolean',
                'created_at': 'timestamp',
                'is_deleted': 'boolean',
            }),
            is_livemode="coalesce(" ~ parse_boolean('is_livemode') ~ ", true)",
        ) }}
    from source
)

select * from typed
