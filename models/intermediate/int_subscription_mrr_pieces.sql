-- The MRR each eligible invoice line sets from its period start: recurring lines at their own
-- amount, positive proration lines at the new price. Everything else never counts: taxes live on
-- the invoice, one-off lines are `invoiceitem`, refunds are another table, negative prorations
-- are credits for the old price's unused time. Invoices created after the as-of instant count
-- nowhere (macros/as_of.sql).
-- Incremental (macros/incremental.sql): a run recomputes the pieces starting on or after the
-- recompute instant, from every line still running then (a proration's replaced line may have
-- started earlier).
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='recompute',
    recompute_column='piece_start_at',
    on_schema_change='fail',
) }}
-- depends_on: {{ ref('int_reporting_period') }}

with

invoice_line_items as (
    select * from {{ ref('stg_billing__invoice_line_items') }}
),

invoices as (
    select * from {{ ref('stg_billing__invoices') }}
),

prices as (
    select * from {{ ref('stg_billing__prices') }}
),

subscriptions as (
    select * from {{ ref('stg_billing__subscriptions') }}
),

fx_rates_daily as (
    select * from {{ ref('int_fx_rates_daily') }}
),

eligible_lines as (
    select
        invoice_line_items.line_item_id,
        invoice_line_items.invoice_id,
        invoice_line_items.subscription_id,
        subscriptions.customer_id,
        invoice_line_items.price_id,
        invoice_line_items.is_proration,
        invoice_line_items.quantity,
        invoice_line_items.amount,
        invoice_line_items.discount_amount,
        invoice_line_items.currency,
        invoice_line_items.period_start_at,
        invoice_line_items.period_end_at,
        prices.unit_amount,
        -- A line pays for interval_count units of the price's interval; monthly is the yearly
        -- amount / 12: month x count, year = 12 x count, week = count x 12/52,
        -- day = count x 12/365 months. One division keeps round amounts exact.
        case prices.billing_interval
            when 'month' then 12
            when 'year' then 1
            when 'week' then 52
            when 'day' then 365
        end as intervals_per_year,
        12 * prices.interval_count as months_per_year_per_interval
    from invoice_line_items
    inner join invoices
        on invoice_line_items.invoice_id = invoices.invoice_id
    inner join prices
        on invoice_line_items.price_id = prices.price_id
    inner join subscriptions
        on invoice_line_items.subscription_id = subscriptions.subscription_id
    where
        invoice_line_items.line_type = 'subscription'
        and invoices.status in {{ word_list_literal('mrr_invoice_statuses') }}
        and {{ is_known_at_as_of('invoices.created_at') }}
    {% if is_incremental() %}
        and (
            invoice_line_items.period_end_at is null
            or invoice_line_items.period_end_at >= {{ incremental_recompute_from() }}
            or invoice_line_items.period_start_at >= {{ incremental_recompute_from() }}
        )
    {% endif %}
),

recurring_lines as (
    select
        *,
        case
            when {{ boolean_literal('mrr_discounts_reduce_mrr') }}
                then amount - discount_amount
            else amount
        end as net_amount
    from eligible_lines
    where not is_proration
),

recurring_pieces as (
    select
        line_item_id,
        invoice_id,
        subscription_id,
        customer_id,
        price_id,
        'recurring' as piece_type,
        period_start_at as piece_start_at,
        period_end_at as piece_end_at,
        currency,
        cast(net_amount * intervals_per_year as {{ type_double() }})
        / months_per_year_per_interval as mrr_local
    from recurring_lines
),

positive_prorations as (
    select *
    from eligible_lines
    where is_proration and amount > 0
),

-- The recurring line a proration replaces: the latest-starting one of the subscription that
-- covers the change date. Its discount share carries over to the new price.
replaced_lines as (
    select
        positive_prorations.line_item_id,
        -- The net / list ratio of the replaced line (its discount share); a zero-priced line
        -- (trial) has none.
        case when recurring_lines.amount > 0 then recurring_lines.net_amount end
            as replaced_net_amount,
        case when recurring_lines.amount > 0 then recurring_lines.amount end
            as replaced_amount,
        row_number() over (
            partition by positive_prorations.line_item_id
            order by recurring_lines.period_start_at desc, recurring_lines.line_item_id desc
        ) as replaced_rank
    from positive_prorations
    inner join recurring_lines
        on
            positive_prorations.subscription_id = recurring_lines.subscription_id
            and positive_prorations.period_start_at >= recurring_lines.period_start_at
            and positive_prorations.period_start_at < recurring_lines.period_end_at
),

proration_pieces as (
    select
        positive_prorations.line_item_id,
        positive_prorations.invoice_id,
        positive_prorations.subscription_id,
        positive_prorations.customer_id,
        positive_prorations.price_id,
        'proration' as piece_type,
        positive_prorations.period_start_at as piece_start_at,
        positive_prorations.period_end_at as piece_end_at,
        positive_prorations.currency,
        cast(
            positive_prorations.unit_amount * positive_prorations.quantity
            * positive_prorations.intervals_per_year as {{ type_double() }}
        )
        * coalesce(replaced_lines.replaced_net_amount, 1)
        / coalesce(replaced_lines.replaced_amount, 1)
        / positive_prorations.months_per_year_per_interval as mrr_local
    from positive_prorations
    left join replaced_lines
        on
            positive_prorations.line_item_id = replaced_lines.line_item_id
            and replaced_lines.replaced_rank = 1
),

pieces as (
    select * from recurring_pieces
    union all
    select * from proration_pieces
),

-- Converted at the rate in effect on the piece's start date.
converted as (
    select
        pieces.line_item_id,
        pieces.invoice_id,
        pieces.subscription_id,
        pieces.customer_id,
        pieces.price_id,
        pieces.piece_type,
        pieces.piece_start_at,
        pieces.piece_end_at,
        pieces.currency,
        cast(pieces.mrr_local as {{ type_double() }}) as mrr_local,
        {{ reporting_rate('pieces.currency', 'fx_rates_daily.rate_to_reporting') }} as fx_rate
    from pieces
    left join fx_rates_daily
        on
            pieces.currency = fx_rates_daily.currency
            and cast(pieces.piece_start_at as date) = fx_rates_daily.rate_date
),

final as (
    select
        *,
        mrr_local * fx_rate as mrr
    from converted
    {% if is_incremental() %}
        where piece_start_at >= {{ incremental_recompute_from() }}
    {% endif %}
)

select * from final
