-- The funnel chains: contacts entering a stage are those converted from the stage before it
-- (same cohort and channel), and the whole-funnel row starts with the leads and ends with the
-- customers of the last pair.
with

funnel as (
    select * from {{ ref('kpi_funnel_conversion') }}
),

stage_orders as (
    select
        'lead' as stage_name,
        1 as stage_order
    union all
    select
        'mql' as stage_name,
        2 as stage_order
    union all
    select
        'sql' as stage_name,
        3 as stage_order
    union all
    select
        'opportunity' as stage_name,
        4 as stage_order
    union all
    select
        'customer' as stage_name,
        5 as stage_order
),

pairs as (
    select
        funnel.*,
        from_orders.stage_order as from_order,
        to_orders.stage_order as to_order
    from funnel
    inner join stage_orders as from_orders
        on funnel.from_stage = from_orders.stage_name
    inner join stage_orders as to_orders
        on funnel.to_stage = to_orders.stage_name
),

consecutive as (
    select * from pairs
    where to_order = from_order + 1
),

whole_funnel as (
    select * from pairs
    where from_order = 1 and to_order = 5
),

chain_breaks as (
    select
        later.cohort_month,
        later.channel,
        later.from_stage,
        later.entered,
        earlier.converted as converted_before
    from consecutive as later
    inner join consecutive as earlier
        on
            later.cohort_month = earlier.cohort_month
            and later.channel = earlier.channel
            and later.from_order = earlier.to_order
    where later.entered <> earlier.converted
),

whole_funnel_breaks as (
    select
        whole_funnel.cohort_month,
        whole_funnel.channel,
        whole_funnel.from_stage,
        whole_funnel.entered,
        first_pair.entered as converted_before
    from whole_funnel
    inner join consecutive as first_pair
        on
            whole_funnel.cohort_month = first_pair.cohort_month
            and whole_funnel.channel = first_pair.channel
            and first_pair.from_order = 1
    inner join consecutive as last_pair
        on
            whole_funnel.cohort_month = last_pair.cohort_month
            and whole_funnel.channel = last_pair.channel
            and last_pair.to_order = 5
    where
        whole_funnel.entered <> first_pair.entered
        or whole_funnel.converted <> last_pair.converted
)

select * from chain_breaks
union all
select * from whole_funnel_breaks
