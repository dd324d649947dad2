-- One row per raw invoice_line_items row, typed, with its fate: staged, duplicate, test_mode or
-- quarantined. A line is in its invoice's currency.
with

source as (
    select
        *,
        {{ raw_row_number() }} as raw_row_number
    from {{ raw_table('raw_billing', 'invoice_line_items') }}
),

invoices as (
    select * from {{ ref('base_billing__invoices') }}
),

prices as (
    select * from {{ ref('base_billing__prices') }}
),

test_mode_invoices as (
    select invoice_id
    from invoices
    where row_status = 'test_mode'
),

staged_invoices as (
    select
        invoice_id,
        subscription_id,
        currency,
        minor_units
    from invoices
    where row_status = 'staged'
),

staged_prices as (
    select price_id
    from prices
    where row_status = 'staged'
),

subscriptions as (
    select * from {{ ref('base_billing__subscriptions') }}
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
        {{ clean_text('line_item_id') }} as line_item_id,
        {{ clean_text('invoice_id') }} as invoice_id,
        {{ clean_text('subscription_id') }} as subscription_id,
        {{ clean_text('price_id') }} as price_id,
        lower({{ clean_text('line_type') }}) as line_type,
        coalesce({{ parse_boolean('is_proration') }}, false) as is_proration,
        {{ parse_integer('quantity') }} as quantity,
        {{ parse_integer('amount') }} as amount_minor,
        coalesce({{ parse_integer('discount_amount') }}, 0) as discount_amount_minor,
        {{ parse_timestamp('period_start') }} as period_start_at,
        {{ parse_timestamp('period_end') }} as period_end_at,
        {{ clean_text('description') }} as description,
        {{ first_unparseable_column({
            'is_proration': 'boolean',
            'quantity': 'integer',
            'amount': 'integer',
            'discount_amount': 'integer',
            'period_start': 'timestamp',
            'period_end': 'timestamp',
        }) }} as unparseable_column
    from source
),

versioned as (
    select
        *,
        row_number() over (
            partition by line_item_id
            order by raw_row_number desc
        ) as version_rank
    from typed
),

checked as (
    select
        versioned.*,
        staged_invoices.currency,
        staged_invoices.minor_units,
        -- A line without its own subscription belongs to its invoice's.
        coalesce(versioned.subscription_id, staged_invoices.subscription_id)
            as resolved_subscription_id,
        test_mode_invoices.invoice_id is not null as is_test_mode,
        case
            when versioned.line_item_id is null then 'null key'
            when versioned.unparseable_column is not null
                then {{ dbt.concat(["'unparseable '", "versioned.unparseable_column"]) }}
            when versioned.line_type is null
                or versioned.line_type not in ('subscription', 'invoiceitem')
                then 'unknown line_type'
            when versioned.quantity < 0 then 'negative quantity'
            when versioned.period_end_at < versioned.period_start_at
                then 'period end before start'
            when staged_invoices.invoice_id is null then 'orphan invoice_id'
            when versioned.price_id is not null and staged_prices.price_id is null
                then 'orphan price_id'
            when versioned.line_type = 'subscription' and versioned.price_id is null
                then 'recurring line without price'
            when versioned.subscription_id is not null
                and staged_subscriptions.subscription_id is null
                then 'orphan subscription_id'
            when versioned.line_type = 'subscription'
                and coalesce(versioned.subscription_id, staged_invoices.subscription_id) is null
                then 'recurring line without subscription'
        end as quarantine_reason
    from versioned
    left join test_mode_invoices
        on versioned.invoice_id = test_mode_invoices.invoice_id
    left join staged_invoices
        on versioned.invoice_id = staged_invoices.invoice_id
    left join staged_prices
        on versioned.price_id = staged_prices.price_id
    left join staged_subscriptions
        on versioned.subscription_id = staged_subscriptions.subscription_id
),

final as (
    select
        *,
        {{ minor_to_major('amount_minor', 'minor_units') }} as amount,
        {{ minor_to_major('discount_amount_minor', 'minor_units') }} as discount_amount,
        case
            when line_item_id is not null and version_rank > 1 then 'duplicate'
            when is_test_mode then 'test_mode'
            when quarantine_reason is not null then 'quarantined'
            else 'staged'
        end as row_status
    from checked
)

select * from final
