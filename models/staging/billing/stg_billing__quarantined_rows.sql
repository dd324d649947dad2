-- Raw billing rows that break the contract, with the reason. Nothing is dropped silently: every
-- raw row is staged, a superseded duplicate, a test-mode row, or here.
with

customers as (
    select * from {{ ref('base_billing__customers') }}
),

prices as (
    select * from {{ ref('base_billing__prices') }}
),

subscriptions as (
    select * from {{ ref('base_billing__subscriptions') }}
),

invoices as (
    select * from {{ ref('base_billing__invoices') }}
),

invoice_line_items as (
    select * from {{ ref('base_billing__invoice_line_items') }}
),

refunds as (
    select * from {{ ref('base_billing__refunds') }}
),

quarantined as (
    select
        'customers' as source_table,
        customer_id as record_key,
        raw_row_number,
        raw_file,
        raw_line,
        quarantine_reason
    from customers
    where row_status = 'quarantined'

    union all

    select
        'prices' as source_table,
        price_id as record_key,
        raw_row_number,
        raw_file,
        raw_line,
        quarantine_reason
    from prices
    where row_status = 'quarantined'

    union all

    select
        'subscriptions' as source_table,
        subscription_id as record_key,
        raw_row_number,
        raw_file,
        raw_line,
        quarantine_reason
    from subscriptions
    where row_status = 'quarantined'

    union all

    select
        'invoices' as source_table,
        invoice_id as record_key,
        raw_row_number,
        raw_file,
        raw_line,
        quarantine_reason
    from invoices
    where row_status = 'quarantined'

    union all

    select
        'invoice_line_items' as source_table,
        line_item_id as record_key,
        raw_row_number,
        raw_file,
        raw_line,
        quarantine_reason
    from invoice_line_items
    where row_status = 'quarantined'

    union all

    select
        'refunds' as source_table,
        refund_id as record_key,
        raw_row_number,
        raw_file,
        raw_line,
        quarantine_reason
    from refunds
    where row_status = 'quarantined'
)

select * from quarantined
