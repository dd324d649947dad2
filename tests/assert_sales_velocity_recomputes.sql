-- Sales velocity = opportunities x win rate x average deal size / average cycle days, recomputed
-- from the mart's own columns (the deal size is rounded to the cent, hence the tolerance), and
-- the won deals and cycle agree with kpi_sales_cycle_length.
with

velocity as (
    select * from {{ ref('kpi_sales_velocity') }}
),

cycle as (
    select * from {{ ref('kpi_sales_cycle_length') }}
)

select
    velocity.month,
    velocity.pipeline,
    velocity.sales_velocity,
    velocity.opportunities * velocity.win_rate * velocity.avg_deal_size
    / velocity.avg_sales_cycle_days as recomputed
from velocity
left join cycle
    on velocity.month = cycle.month and velocity.pipeline = cycle.pipeline
where
    (
        velocity.sales_velocity is not null
        and abs(
            velocity.sales_velocity
            - velocity.opportunities * velocity.win_rate * velocity.avg_deal_size
            / velocity.avg_sales_cycle_days
        ) > 0.01 + 0.005 * velocity.opportunities * velocity.win_rate
        / velocity.avg_sales_cycle_days
    )
    or (velocity.won_deals > 0 and cycle.month is null)
    or (cycle.month is not null and velocity.won_deals <> cycle.won_deals)
    or abs(coalesce(velocity.avg_sales_cycle_days, 0) - coalesce(cycle.avg_sales_cycle_days, 0))
    > 0.000001
