-- One row per raw prices row, typed, with its fate: staged, duplicate or quarantined.
with

source as (
    select
        *,
        {{ raw_row_number() }} as raw_row_number
    from {{ raw_table('raw_billing', 'prices') }}
),

currencies as (
    select * from {{ ref('currencies') }}
),

typed as (
    select
        raw_row_number,
        {{ rejected_line_columns() }},
        {{ clean_text('price_id') }} as price_id,
        {{ clean_text('product_id') }} as product_id,
        {{ clean_text('product_name') }} as product_name,
        {{ clean_text('nickname') }} as price_nickname,
        lower({{ clean_text('billing_interval') }}) as billing_interval,
        {{ parse_integer('interval_count') }} as interval_count,
        {{ parse_integer('unit_amount') }} as unit_amount_minor,
        {{ parse_currency('currency') }} as currency,
        {{ parse_boolean('is_active') }} as is_active,
        {{ first_unparseable_column({
            'interval_count': 'integer',
            'unit_amount': 'integer',
            'is_active': 'boolean',
        }) }} as unparseable_column
    from source
),

versioned as (
    select
        *,
        row_number() over (
            partition by price_id
            order by raw_row_number desc
        ) as version_rank
    from typed
),

checked as (
    select
        versioned.*,
        currencies.minor_units,
        case
            when versioned.price_id is null then 'null key'
            when versioned.unparseable_column is not null
                then {{ dbt.concat(["'unparseable '", "versioned.unparseable_column"]) }}
            when versioned.billing_interval is null
                or versioned.billing_interval not in ('day', 'week', 'month', 'year')
                then 'unknown billing_interval'
            when versioned.interval_count is null or versioned.interval_count < 1
                then 'invalid interval_count'
            when versioned.unit_amount_minor < 0 then 'negative unit_amount'
            when currencies.currency_code is null then 'unknown currency'
        end as quarantine_reason
    from versioned
    left join currencies
        on versioned.currency = currencies.currency_code
),

final as (
    select
        *,
        {{ minor_to_major('unit_amount_minor', 'minor_units') }} as unit_amount,
        case
            when price_id is not null and version_rank > 1 then 'duplicate'
            when quarantine_reason is not null then 'quarantined'
            else 'staged'
        end as row_status
    from checked
)

select * from final
