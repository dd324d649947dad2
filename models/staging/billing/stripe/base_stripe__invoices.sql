-- Source adapter: Stripe's `invoice` as Fivetran lands it, in canonical columns. Fivetran lands
-- no discount total: it is what lies between the subtotal plus tax and the total.
with

source as (
    select * from {{ fivetran_rows('stripe', 'invoice') }}
),

typed as (
    select
        {{ clean_text('id') }} as invoice_id,
        {{ clean_text('customer_id') }} as customer_id,
        {{ clean_text('subscription_id') }} as subscription_id,
        lower({{ clean_text('status') }}) as status,
        lower({{ clean_text('billing_reason') }}) as billing_reason,
        {{ parse_currency('currency') }} as currency,
        {{ parse_timestamp('created') }} as created_at,
        {{ parse_timestamp('period_start') }} as period_start_at,
        {{ parse_timestamp('period_end') }} as period_end_at,
        {{ parse_integer('subtotal') }} as subtotal_minor,
        (
            {{ parse_integer('subtotal') }} + coalesce({{ parse_integer('tax') }}, 0)
            - {{ parse_integer('total') }}
        ) as discount_total_minor,
        coalesce({{ parse_integer('tax') }}, 0) as tax_minor,
        {{ parse_integer('total') }} as total_minor,
        {{ parse_integer('amount_paid') }} as amount_paid_minor,
        {{ parse_timestamp('status_transitions_paid_at') }} as paid_at,
        {{ adapter_tracking_columns(
            unparseable=first_unparseable_column({
                'created': 'timestamp',
                'period_start': 'timestamp',
                'period_end': 'timestamp',
                'subtotal': 'integer',
                'tax': 'integer',
                'total': 'integer',
                'amount_paid': 'integer',
                'status_transitions_paid_at': 'timestamp',
                'livemode': 'boolean',
                '_fivetran_synced': 'timestamp',
            }),
            is_livemode=parse_boolean('livemode'),
            is_source_deleted=fivetran_is_deleted(['is_deleted', '_fivetran_deleted']),
        ) }}
    from source
)

select * from typed
