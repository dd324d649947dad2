-- The semantic layer's customer-month fact: fct_mrr_movements at full precision. The fact rounds
-- each customer's MRR to the cent, and a month's sum of rounded amounts drifts from kpi_mrr by a
-- few cents; the metrics sum these unrounded amounts, as the KPI marts do, so that they agree with
-- the marts to the cent.
with

customer_mrr as (
    select * from {{ ref('int_customer_mrr_by_month') }}
),

final as (
    select
        customer_month_id,
        customer_id,
        month,
        first_paying_month as cohort_month,
        mrr,
        previous_mrr,
        movement,
        movement_mrr,
        is_paying,
        was_paying
    from customer_mrr
)

select * from final
