-- Source adapter: Stripe's `refund` as Fivetran lands it, in canonical columns. A refund has no
-- invoice id and no livemode: both come through its charge (`refund.charge_id` ->
-- `charge.invoice_id`, `charge.livemode`). A refund whose charge is unknown or has no invoice (a
-- payment outside billing) cannot be placed on an invoice: quarantined with that reason.
with

source as (
    select * from {{ fivetran_rows('stripe', 'refund') }}
),

charges as (
    select
        {{ clean_text('id') }} as charge_id,
        {{ clean_text('invoice_id') }} as invoice_id,
        {{ parse_boolean('livemode') }} as is_livemode
    from {{ fivetran_latest('stripe', 'charge') }}
),

typed as (
    select
        {{ clean_text('source.id') }} as refund_id,
        charges.invoice_id,
        {{ parse_integer('source.amount') }} as amount_minor,
        {{ parse_currency('source.currency') }} as currency,
        lower({{ clean_text('source.status') }}) as status,
        {{ parse_timestamp('source.created') }} as created_at,
        lower({{ clean_text('source.reason') }}) as reason,
        {{ adapter_tracking_columns(
            raw_row_number='source.raw_row_number',
            unparseable=first_unparseable_column({
                'source.amount': 'integer',
                'source.created': 'timestamp',
                'source._fivetran_synced': 'timestamp',
            }),
            is_livemode='charges.is_livemode',
            is_source_deleted=fivetran_is_deleted(['source._fivetran_deleted']),
            source_quarantine_reason="case"
                ~ " when " ~ clean_text('source.charge_id') ~ " is null then 'refund without charge'"
                ~ " when charges.charge_id is null then 'orphan charge_id'"
                ~ " when charges.invoice_id is null then 'charge without invoice'"
                ~ " end",
        ) }}
    from source
    left join charges
        on {{ clean_text('source.charge_id') }} = charges.charge_id
)

select * from typed
