with

customers as (
    select * from {{ ref('stg_billing__customers') }}
),

crm_links as (
    select * from {{ ref('int_customer_crm_links') }}
),

first_touch as (
    select * from {{ ref('int_customer_first_touch_channels') }}
),

billed_revenue as (
    select * from {{ ref('int_customer_billed_revenue') }}
),

customer_mrr as (
    select * from {{ ref('int_customer_mrr_by_month') }}
),

mrr_pieces as (
    select * from {{ ref('int_subscription_mrr_pieces') }}
),

prices as (
    select * from {{ ref('stg_billing__prices') }}
),

reporting_period as (
    select * from {{ ref('int_reporting_period') }}
),

as_of_mrr as (
    select
        customer_mrr.customer_id,
        customer_mrr.first_paying_month,
        customer_mrr.mrr
    from customer_mrr
    inner join reporting_period
        on customer_mrr.month = reporting_period.as_of_month
),

-- The plan: the product of the latest recurring or upgraded price the customer was billed (the
-- latest-starting piece, the greatest line id breaking a tie). Two aggregations rather than a
-- window over every piece: about half the time at a million customers.
latest_piece_starts as (
    select
        customer_id,
        max(piece_start_at) as piece_start_at
    from mrr_pieces
    group by customer_id
),

latest_pieces as (
    select
        mrr_pieces.customer_id,
        max(mrr_pieces.line_item_id) as line_item_id
    from mrr_pieces
    inner join latest_piece_starts
        on
            mrr_pieces.customer_id = latest_piece_starts.customer_id
            and mrr_pieces.piece_start_at = latest_piece_starts.piece_start_at
    group by mrr_pieces.customer_id
),

latest_plans as (
    select
        latest_pieces.customer_id,
        prices.product_name
    from latest_pieces
    inner join mrr_pieces
        on latest_pieces.line_item_id = mrr_pieces.line_item_id
    inner join prices
        on mrr_pieces.price_id = prices.price_id
),

final as (
    select
        customers.customer_id,
        crm_links.crm_company_id,
        customers.country_code,
        customers.currency,
        latest_plans.product_name as current_plan,
        coalesce(first_touch.first_touch_channel, 'unknown') as first_touch_channel,
        as_of_mrr.first_paying_month,
        {{ money('coalesce(as_of_mrr.mrr, 0)') }} as current_mrr,
        coalesce(as_of_mrr.mrr, 0) > 0 as is_paying,
        {{ money('coalesce(billed_revenue.billed_revenue, 0)') }} as lifetime_billed_revenue,
        customers.created_at,
        customers.is_deleted
    from customers
    left join crm_links
        on customers.customer_id = crm_links.customer_id
    left join first_touch
        on customers.customer_id = first_touch.customer_id
    left join billed_revenue
        on customers.customer_id = billed_revenue.customer_id
    left join as_of_mrr
        on customers.customer_id = as_of_mrr.customer_id
    left join latest_plans
        on customers.customer_id = latest_plans.customer_id
    -- A customer created after the as-of instant did not exist yet (macros/as_of.sql).
    where {{ is_known_at_as_of('customers.created_at') }}
)

select * from final
