-- Source adapter: Stripe's `invoice_line_item` as Fivetran lands it, in canonical columns. A line
-- has no discount column: its discount is the sum of its staged rows in `discount`
-- (base_stripe__line_discounts), or, for an older connector without that table (var
-- stripe_line_discounts_from: invoice_totals), its share of the invoice's discount.
with

source as (
    select * from {{ fivetran_rows('stripe', 'invoice_line_item') }}
),

line_discounts as (
    {{ stripe_line_discounts() }}
),

typed as (
    select
        {{ clean_text('source.id') }} as line_item_id,
        {{ clean_text('source.invoice_id') }} as invoice_id,
        {{ clean_text('source.subscription_id') }} as subscription_id,
        coalesce({{ clean_text('source.price_id') }}, {{ clean_text('source.plan_id') }})
            as price_id,
        lower({{ clean_text('source.type') }}) as line_type,
        coalesce({{ parse_boolean('source.proration') }}, false) as is_proration,
        {{ parse_integer('source.quantity') }} as quantity,
        {{ parse_integer('source.amount') }} as amount_minor,
        coalesce(line_discounts.discount_amount_minor, 0) as discount_amount_minor,
        {{ parse_timestamp('source.period_start') }} as period_start_at,
        {{ parse_timestamp('source.period_end') }} as period_end_at,
        {{ clean_text('source.description') }} as description,
        {{ adapter_tracking_columns(
            raw_row_number='source.raw_row_number',
            unparseable=first_unparseable_column({
                'source.proration': 'boolean',
                'source.quantity': 'integer',
                'source.amount': 'integer',
                'source.period_start': 'timestamp',
                'source.period_end': 'timestamp',
                'source.livemode': 'boolean',
                'source._fivetran_synced': 'timestamp',
            }),
            is_livemode=parse_boolean('source.livemode'),
            is_source_deleted=fivetran_is_deleted(['source._fivetran_deleted']),
        ) }}
    from source
    left join line_discounts
        on {{ clean_text('source.id') }} = line_discounts.line_id
)

select * from typed
