-- One row per raw fx_rates row, typed, with its fate: staged, duplicate or quarantined.
-- (currency, rate_date) is the key.
with

source as (
    select
        *,
        {{ raw_row_number() }} as raw_row_number
    from {{ raw_table('raw_finance', 'fx_rates') }}
),

currencies as (
    select * from {{ ref('currencies') }}
),

typed as (
    select
        raw_row_number,
        {{ rejected_line_columns() }},
        {{ parse_date('rate_date') }} as rate_date,
        {{ parse_currency('currency') }} as currency,
        {{ parse_decimal('rate_to_usd') }} as rate_to_usd,
        {{ first_unparseable_column({
            'rate_date': 'date',
            'rate_to_usd': 'decimal',
        }) }} as unparseable_column
    from source
),

versioned as (
    select
        *,
        row_number() over (
            partition by currency, rate_date
            order by raw_row_number desc
        ) as version_rank
    from typed
),

checked as (
    select
        versioned.*,
        versioned.currency is null or versioned.rate_date is null as has_null_key,
        case
            when versioned.unparseable_column is not null
                then {{ dbt.concat(["'unparseable '", "versioned.unparseable_column"]) }}
            when versioned.currency is null or versioned.rate_date is null then 'null key'
            when versioned.rate_to_usd is null or versioned.rate_to_usd <= 0
                then 'non-positive rate'
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
            when not has_null_key and version_rank > 1 then 'duplicate'
            when quarantine_reason is not null then 'quarantined'
            else 'staged'
        end as row_status
    from checked
)

select * from final
