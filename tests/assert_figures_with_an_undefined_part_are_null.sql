-- A figure derived from a null or undefined part is null, never 0 or infinity: LTV without
-- ARPU or churn, LTV:CAC without LTV or a non-zero CAC, payback without CAC or margin revenue,
-- sales velocity without a win rate, a won deal or a non-zero cycle. The marts compute most of
-- them as one division, which alone would give 0 when a part's denominator is zero.
with

lifetime_value as (
    select * from {{ ref('kpi_customer_lifetime_value') }}
),

velocity as (
    select * from {{ ref('kpi_sales_velocity') }}
),

undefined_unit_economics as (
    select
        'kpi_customer_lifetime_value' as mart,
        cast(month as {{ dbt.type_string() }}) as row_key
    from lifetime_value
    where
        (
            ltv is not null
            and (arpu is null or coalesce(logo_churn_rate_3m, 0) = 0)
        )
        or (
            ltv_to_cac_ratio is not null
            and (ltv is null or coalesce(cac, 0) = 0)
        )
        or (
            cac_payback_months is not null
            and (cac is null or coalesce(arpu * gross_margin, 0) = 0)
        )
),

undefined_velocity as (
    select
        'kpi_sales_velocity' as mart,
        {{ dbt.concat([
            'cast(month as ' ~ dbt.type_string() ~ ')', "' '", 'pipeline'
        ]) }} as row_key
    from velocity
    where
        sales_velocity is not null
        and (
            win_rate is null
            or avg_deal_size is null
            or coalesce(avg_sales_cycle_days, 0) = 0
        )
)

select * from undefined_unit_economics
union all
select * from undefined_velocity
