-- One row per raw invoices row, typed, with its fate: staged, duplicate, test_mode or
-- quarantined. A re-loaded invoice (e.g. open, then paid) keeps its last row.
with

source as (
    select
        *,
        {{ raw_row_number() }} as raw_row_number
    from {{ raw_table('raw_billing', 'invoices') }}
),

customers as (
    select * from {{ ref('base_billing__customers') }}
),

subscriptions as (
    select * from {{ ref('base_billing__subscriptions') }}
),

currencies as (
    select * from {{ ref('currencies') }}
),

test_mode_customers as (
    select customer_id
    from customers
    where row_status = 'test_mode'
),

staged_customers as (
    select customer_id
    from customers
    where row_status = 'staged'
),

staged_subscriptions as (
    select subscription_id
    from subscriptions
    where row_status = 'staged'
),

typed as (
    select
        raw_row_number,
        {{ rejected_line_columns() }},
        {{ clean_text('invoice_id') }} as invoice_id,
        {{ clean_text('customer_id') }} as customer_id,
        {{ clean_text('subscription_id') }} as subscription_id,
        lower({{ clean_text('status') }}) as status,
        lower({{ clean_text('billing_reason') }}) as billing_reason,
        {{ parse_currency('currency') }} as currency,
        {{ parse_timestamp('created_at') }} as created_at,
        {{ parse_timestamp('period_start') }} as period_start_at,
        {{ parse_timestamp('period_end') }} as period_end_at,
        {{ parse_integer('subtotal') }} as subtotal_minor,
        {{ parse_integer('discount_total') }} as discount_total_minor,
        {{ parse_integer('tax') }} as tax_minor,
        {{ parse_integer('total') }} as total_minor,
        {{ parse_integer('amount_paid') }} as amount_paid_minor,
        {{ parse_timestamp('paid_at') }} as paid_at,
        {{ first_unparseable_column({
            'created_at': 'timestamp',
            'period_start': 'timestamp',
            'period_end': 'timestamp',
            'subtotal': 'integer',
            'discount_total': 'integer',
            'tax': 'integer',
            'total': 'integer',
            'amount_paid': 'integer',
            'paid_at': 'timestamp',
        }) }} as unparseable_column
    from source
),

versioned as (
    select
        *,
        row_number() over (
            partition by invoice_id
            order by raw_row_number desc
        ) as version_rank
    from typed
),

checked as (
    select
        versioned.*,
        currencies.minor_units,
        test_mode_customers.customer_id is not null as is_test_mode,
        case
            when versioned.invoice_id is null then 'null key'
            when versioned.unparseable_column is not null
                then {{ dbt.concat(["'unparseable '", "versioned.unparseable_column"]) }}
            when versioned.status is null
                or versioned.status not in ('draft', 'open', 'paid', 'void', 'uncollectible')
                then 'unknown status'
            when currencies.currency_code is null then 'unknown currency'
            when versioned.period_end_at < versioned.period_start_at
                then 'period end before start'
            when staged_customers.customer_id is null then 'orphan customer_id'
            when versioned.subscription_id is not null
                and staged_subscriptions.subscription_id is null
                then 'orphan subscription_id'
        end as quarantine_reason
    from versioned
    left join currencies
        on versioned.currency = currencies.currency_code
    left join test_mode_customers
        on versioned.customer_id = test_mode_customers.customer_id
    left join staged_customers
        on versioned.customer_id = staged_customers.customer_id
    left join staged_subscriptions
        on versioned.subscription_id = staged_subscriptions.subscription_id
),

final as (
    select
        *,
        {{ minor_to_major('subtotal_minor', 'minor_units') }} as subtotal,
        {{ minor_to_major('discount_total_minor', 'minor_units') }} as discount_total,
        {{ minor_to_major('tax_minor', 'minor_units') }} as tax,
        {{ minor_to_major('total_minor', 'minor_units') }} as total,
        {{ minor_to_major('amount_paid_minor', 'minor_units') }} as amount_paid,
        case
            when invoice_id is not null and version_rank > 1 then 'duplicate'
            when is_test_mode then 'test_mode'
            when quarantine_reason is not null then 'quarantined'
            else 'staged'
        end as row_status
    from checked
)

select * from final
