-- One row per raw refunds row, typed, with its fate: staged, duplicate, test_mode or quarantined.
with

source as (
    select
        *,
        {{ raw_row_number() }} as raw_row_number
    from {{ raw_table('raw_billing', 'refunds') }}
),

invoices as (
    select * from {{ ref('base_billing__invoices') }}
),

currencies as (
    select * from {{ ref('currencies') }}
),

test_mode_invoices as (
    select invoice_id
    from invoices
    where row_status = 'test_mode'
),

staged_invoices as (
    select invoice_id
    from invoices
    where row_status = 'staged'
),

typed as (
    select
        raw_row_number,
        {{ rejected_line_columns() }},
        {{ clean_text('refund_id') }} as refund_id,
        {{ clean_text('invoice_id') }} as invoice_id,
        {{ parse_integer('amount') }} as amount_minor,
        {{ parse_currency('currency') }} as currency,
        lower({{ clean_text('status') }}) as status,
        {{ parse_timestamp('created_at') }} as created_at,
        lower({{ clean_text('reason') }}) as reason,
        {{ first_unparseable_column({
            'amount': 'integer',
            'created_at': 'timestamp',
        }) }} as unparseable_column
    from source
),

versioned as (
    select
        *,
        row_number() over (
            partition by refund_id
            order by raw_row_number desc
        ) as version_rank
    from typed
),

checked as (
    select
        versioned.*,
        currencies.minor_units,
        test_mode_invoices.invoice_id is not null as is_test_mode,
        case
            when versioned.refund_id is null then 'null key'
            when versioned.unparseable_column is not null
                then {{ dbt.concat(["'unparseable '", "versioned.unparseable_column"]) }}
            when versioned.status is null
                or versioned.status not in ('succeeded', 'pending', 'failed', 'canceled')
                then 'unknown status'
            when versioned.amount_minor < 0 then 'negative amount'
            when currencies.currency_code is null then 'unknown currency'
            when staged_invoices.invoice_id is null then 'orphan invoice_id'
        end as quarantine_reason
    from versioned
    left join currencies
        on versioned.currency = currencies.currency_code
    left join test_mode_invoices
        on versioned.invoice_id = test_mode_invoices.invoice_id
    left join staged_invoices
        on versioned.invoice_id = staged_invoices.invoice_id
),

final as (
    select
        *,
        {{ minor_to_major('amount_minor', 'minor_units') }} as amount,
        case
            when refund_id is not null and version_rank > 1 then 'duplicate'
            when is_test_mode then 'test_mode'
            when quarantine_reason is not null then 'quarantined'
            else 'staged'
        end as row_status
    from checked
)

select * from final
