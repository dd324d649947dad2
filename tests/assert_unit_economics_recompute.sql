-- LTV:CAC and CAC payback recompute from the mart's parts (rounded money, hence tolerances),
-- and LTV's ARPU is kpi_arpu's.
with

ltv as (
    select * from {{ ref('kpi_customer_lifetime_value') }}
),

arpu as (
    select * from {{ ref('kpi_arpu') }}
)

select
    ltv.month,
    ltv.ltv,
    ltv.cac,
    ltv.ltv_to_cac_ratio,
    ltv.cac_payback_months
from ltv
left join arpu
    on ltv.month = arpu.month
where
    arpu.month is null
    or coalesce(ltv.arpu, -1) <> coalesce(arpu.arpu, -1)
    or (
        ltv.cac > 0
        and abs(ltv.ltv_to_cac_ratio - ltv.ltv / ltv.cac) > 0.0001 * ltv.ltv_to_cac_ratio + 0.0001
    )
    or (ltv.arpu > 0 and abs(
        ltv.cac_payback_months - ltv.cac / (ltv.arpu * ltv.gross_margin)
    ) > 0.0001 * ltv.cac_payback_months + 0.0001)
