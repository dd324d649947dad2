-- What each customer was billed over its life, net of refunds: invoices that are paid or open
-- (issued and collectible; draft, void and uncollectible are not revenue), without tax, minus
-- succeeded refunds; each converted at the rate of its own date. Invoices and refunds created
-- after the as-of instant count nowhere (macros/as_of.sql).
with

invoices as (
    select * from {{ ref('stg_billing__invoices') }}
),

refunds as (
    select * from {{ ref('stg_billing__refunds') }}
),

fx_rates_daily as (
    select * from {{ ref('int_fx_rates_daily') }}
),

billed as (
    select
        invoices.customer_id,
        (invoices.total - invoices.tax)
        * {{ reporting_rate('invoices.currency', 'fx_rates_daily.rate_to_reporting') }} as amount
    from invoices
    left join fx_rates_daily
        on
            invoices.currency = fx_rates_daily.currency
            and cast(invoices.created_at as date) = fx_rates_daily.rate_date
    where
        invoices.status in ('paid', 'open')
        and {{ is_known_at_as_of('invoices.created_at') }}
),

refunded as (
    select
        invoices.customer_id,
        -refunds.amount
        * {{ reporting_rate('refunds.currency', 'fx_rates_daily.rate_to_reporting') }} as amount
    from refunds
    inner join invoices
        on refunds.invoice_id = invoices.invoice_id
    left join fx_rates_daily
        on
            refunds.currency = fx_rates_daily.currency
            and cast(refunds.created_at as date) = fx_rates_daily.rate_date
    where
        refunds.status = 'succeeded'
        and {{ is_known_at_as_of('refunds.created_at') }}
        and {{ is_known_at_as_of('invoices.created_at') }}
),

movements as (
    select * from billed
    union all
    select * from refunded
),

final as (
    select
        customer_id,
        sum(cast(amount as {{ type_double() }})) as billed_revenue,
        count(*) as billing_documents,
        sum(case when amount is null then 1 else 0 end) as documents_without_rate
    from movements
    group by customer_id
)

select * from final
