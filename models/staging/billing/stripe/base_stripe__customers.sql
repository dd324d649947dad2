-- Source adapter: Stripe's `customer` as Fivetran lands it, selected, renamed and parsed into
-- canonical columns. The CRM company is the customer metadata's key named by var
-- stripe_crm_company_metadata_key (Stripe has no column for it); a customer deleted in Stripe
-- keeps its history and is flagged, as in the contract.
with

source as (
    select * from {{ fivetran_rows('stripe', 'customer') }}
),

typed as (
    select
        {{ clean_text('id') }} as customer_id,
        {{ clean_text('email') }} as email,
        {{ clean_text('name') }} as customer_name,
        {{ json_text_value(clean_text('metadata'), var('stripe_crm_company_metadata_key')) }}
            as crm_company_id,
        upper({{ clean_text('address_country') }}) as country_code,
        {{ parse_currency('currency') }} as currency,
        {{ parse_timestamp('created') }} as created_at,
        {{ fivetran_is_deleted(['is_deleted', '_fivetran_deleted']) }} as is_deleted,
        {{ adapter_tracking_columns(
            unparseable=first_unparseable_column({
                'livemode': 'boolean',
                'created': 'timestamp',
                'is_deleted': 'boolean',
                '_fivetran_deleted': 'boolean',
                '_fivetran_synced': 'timestamp',
            }),
            is_livemode=parse_boolean('livemode'),
        ) }}
    from source
)

select * from typed
