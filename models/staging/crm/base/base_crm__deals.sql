-- One row per raw deals row, typed, with its fate: staged, duplicate or quarantined.
with

source as (
    select
        *,
        {{ raw_row_number() }} as raw_row_number
    from {{ raw_table('raw_crm', 'deals') }}
),

deal_stages as (
    select * from {{ ref('deal_stages') }}
),

currencies as (
    select * from {{ ref('currencies') }}
),

typed as (
    select
        raw_row_number,
        {{ rejected_line_columns() }},
        {{ clean_text('deal_id') }} as deal_id,
        {{ clean_text('company_id') }} as company_id,
        {{ clean_text('owner_id') }} as owner_id,
        {{ clean_text('deal_name') }} as deal_name,
        lower({{ clean_text('pipeline') }}) as pipeline,
        lower({{ clean_text('deal_stage') }}) as deal_stage,
        {{ parse_decimal('amount') }} as amount,
        {{ parse_currency('currency') }} as currency,
        {{ parse_timestamp('created_at') }} as created_at,
        {{ parse_timestamp('closed_at') }} as closed_at,
        coalesce({{ parse_boolean('is_deleted') }}, false) as is_deleted,
        {{ parse_timestamp('updated_at') }} as updated_at,
        {{ first_unparseable_column({
            'amount': 'decimal',
            'created_at': 'timestamp',
            'closed_at': 'timestamp',
            'is_deleted': 'boolean',
            'updated_at': 'timestamp',
        }) }} as unparseable_column
    from source
),

versioned as (
    select
        *,
        row_number() over (
            partition by deal_id
            order by updated_at desc nulls last, raw_row_number desc
        ) as version_rank
    from typed
),

checked as (
    select
        versioned.*,
        case
            when versioned.deal_id is null then 'null key'
            when versioned.unparseable_column is not null
                then {{ dbt.concat(["'unparseable '", "versioned.unparseable_column"]) }}
            when versioned.pipeline is null
                or versioned.pipeline not in ('new_business', 'expansion', 'renewal')
                then 'unknown pipeline'
            when deal_stages.deal_stage is null then 'unknown deal_stage'
            when versioned.amount is not null and currencies.currency_code is null
                then 'unknown currency'
        end as quarantine_reason
    from versioned
    left join deal_stages
        on versioned.deal_stage = deal_stages.deal_stage
    left join currencies
        on versioned.currency = currencies.currency_code
),

final as (
    select
        *,
        case
            when deal_id is not null and version_rank > 1 then 'duplicate'
            when quarantine_reason is not null then 'quarantined'
            else 'staged'
        end as row_status
    from checked
)

select * from final
