-- ARR = 12 x ending MRR (both rounded to the cent: within 12 half-cents) and ARPU's MRR is the
-- same MRR.
with

mrr as (
    select * from {{ ref('kpi_mrr') }}
),

arr as (
    select * from {{ ref('kpi_arr') }}
),

arpu as (
    select * from {{ ref('kpi_arpu') }}
)

select
    mrr.month,
    mrr.ending_mrr,
    arr.arr,
    arpu.mrr as arpu_mrr
from mrr
left join arr
    on mrr.month = arr.month
left join arpu
    on mrr.month = arpu.month
where
    arr.month is null
    or arpu.month is null
    or abs(arr.arr - 12 * mrr.ending_mrr) > 0.06
    or arpu.mrr <> mrr.ending_mrr
    or arpu.paying_customers <> mrr.paying_customers
