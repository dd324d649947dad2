-- One row per raw customers row, typed, with its fate: staged, duplicate, test_mode or
-- quarantined. Test-mode accounts (is_livemode = false) are never counted anywhere.
with

source as (
    select
        *,
        {{ raw_row_number() }} as raw_row_number
    from {{ raw_table('raw_billing', 'customers') }}
),

currencies as (
    select * from {{ ref('currencies') }}
),

typed as (
    select
        raw_row_number,
        {{ rejected_line_columns() }},
        {{ clean_text('customer_id') }} as customer_id,
        {{ clean_text('email') }} as email,
        {{ clean_text('name') }} as customer_name,
        {{ clean_text('crm_company_id') }} as crm_company_id,
        upper({{ clean_text('country') }}) as country_code,
        {{ parse_currency('currency') }} as currency,
        -- Absent means live: only an explicit false marks a test-mode account.
        coalesce({{ parse_boolean('is_livemode') }}, true) as is_livemode,
        {{ parse_timestamp('created_at') }} as created_at,
        coalesce({{ parse_boolean('is_deleted') }}, false) as is_deleted,
        {{ first_unparseable_column({
            'is_livemode': 'boolean',
            'created_at': 'timestamp',
            'is_deleted': 'boolean',
        }) }} as unparseable_column
    from source
),

versioned as (
    select
        *,
        row_number() over (
            partition by customer_id
            order by raw_row_number desc
        ) as version_rank
    from typed
),

checked as (
    select
        versioned.*,
        case
            when versioned.customer_id is null then 'null key'
            when versioned.unparseable_column is not null
                then {{ dbt.concat(["'unparseable '", "versioned.unparseable_column"]) }}
            when currencies.currency_code is null then 'unknown currency'
        end as quarantine_reason
    from versioned
    left join currencies
        on versioned.currency = currencies.currency_code
),

final as (
    select
        *,
        case
            when customer_id is not null and version_rank > 1 then 'duplicate'
            when not is_livemode then 'test_mode'
            when quarantine_reason is not null then 'quarantined'
            else 'staged'
        end as row_status
    from checked
)

select * from final
