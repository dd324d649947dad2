{{ config(
    materialized='table',
    enabled=var('billing_source') == 'fivetran_stripe' and var('stripe_line_discounts_from') == 'discount',
) }}
-- One row per raw Stripe `discount` row, with its fate (macros/staging/staging_skeleton.sql):
-- Fivetran lands each applied discount as a row whose `type` names what it applies to; a line's
-- discount has the line's id in `type_id` and the amount in minor units. Only line rows carry an
-- amount the warehouse uses (base_stripe__invoice_line_items sums the staged ones per line); the
-- rest are staged as they are. A line discount whose line is not in `invoice_line_item` is
-- quarantined; one of a test-mode line is test-mode.
{%- set discount_rows -%}
    (
        select
            {{ clean_text('discount_rows.id') }} as discount_id,
            lower({{ clean_text('discount_rows.type') }}) as discount_type,
            {{ clean_text('discount_rows.type_id') }} as applies_to_id,
            {{ clean_text('discount_rows.invoice_id') }} as invoice_id,
            {{ parse_integer('discount_rows.amount') }} as amount_minor,
            lower({{ clean_text('discount_rows.type') }}) like '%line_item%' as is_line_discount,
            lines.line_id as line_id,
            {{ adapter_tracking_columns(
                raw_row_number='discount_rows.raw_row_number',
                unparseable=first_unparseable_column({
                    'discount_rows.amount': 'integer',
                    'discount_rows._fivetran_synced': 'timestamp',
                }),
                is_livemode='lines.is_livemode',
                is_source_deleted=fivetran_is_deleted(['discount_rows._fivetran_deleted']),
            ) }}
        from {{ fivetran_rows('stripe', 'discount') }}
        left join (
            select
                {{ clean_text('id') }} as line_id,
                {{ parse_boolean('livemode') }} as is_livemode
            from {{ fivetran_latest('stripe', 'invoice_line_item') }}
        ) as lines
            on {{ clean_text('discount_rows.type_id') }} = lines.line_id
    ) as line_discount_rows
{%- endset %}
{{ stage_rows(
    rows=discount_rows,
    key=['discount_id', 'discount_type', 'applies_to_id'],
    checks=[
        ('negative amount', 'amount_minor < 0'),
        ('orphan invoice line', 'is_line_discount and line_id is null'),
    ],
) }}
