-- One row per raw expenses row, typed, with its fate: staged, duplicate or quarantined.
with

source as (
    select
        *,
        {{ raw_row_number() }} as raw_row_number
    from {{ raw_table('raw_finance', 'expenses') }}
),

currencies as (
    select * from {{ ref('currencies') }}
),

channels as (
    select * from {{ ref('channels') }}
),

typed as (
    select
        raw_row_number,
        {{ rejected_line_columns() }},
        {{ clean_text('expense_id') }} as expense_id,
        {{ parse_date('incurred_on') }} as incurred_date,
        lower({{ clean_text('department') }}) as department,
        lower({{ clean_text('category') }}) as category,
        {{ normalize_channel_name('channel') }} as channel_normalized,
        {{ parse_decimal('amount') }} as amount,
        {{ parse_currency('currency') }} as currency,
        {{ first_unparseable_column({
            'incurred_on': 'date',
            'amount': 'decimal',
        }) }} as unparseable_column
    from source
),

versioned as (
    select
        *,
        row_number() over (
            partition by expense_id
            order by raw_row_number desc
        ) as version_rank
    from typed
),

checked as (
    select
        versioned.*,
        -- Spend not attributable to one channel has none; a channel outside the list is unknown.
        case
            when versioned.channel_normalized is not null
                then coalesce(channels.channel, 'unknown')
        end as channel,
        case
            when versioned.expense_id is null then 'null key'
            when versioned.unparseable_column is not null
                then {{ dbt.concat(["'unparseable '", "versioned.unparseable_column"]) }}
            when versioned.incurred_date is null then 'missing incurred_on'
            when currencies.currency_code is null then 'unknown currency'
        end as quarantine_reason
    from versioned
    left join currencies
        on versioned.currency = currencies.currency_code
    left join channels
        on versioned.channel_normalized = channels.channel
),

final as (
    select
        *,
        case
            when expense_id is not null and version_rank > 1 then 'duplicate'
            when quarantine_reason is not null then 'quarantined'
            else 'staged'
        end as row_status
    from checked
)

select * from final
