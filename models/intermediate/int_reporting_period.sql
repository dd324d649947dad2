-- The as-of date: the var when set, else the date of the latest invoice created in the billing
-- data (so the demo data gives the same numbers on any day).
with

invoices as (
    select * from {{ ref('stg_billing__invoices') }}
),

latest_invoice as (
    select max(cast(created_at as date)) as latest_invoice_date
    from invoices
),

as_of as (
    select
        {{ as_of_date_literal() or 'latest_invoice_date' }} as as_of_date,
        latest_invoice_date
    from latest_invoice
),

final as (
    select
        as_of_date,
        {{ month_of('as_of_date') }} as as_of_month,
        {{ add_months(1, month_of('as_of_date')) }} as month_after_as_of_month,
        latest_invoice_date
    from as_of
)

select * from final
