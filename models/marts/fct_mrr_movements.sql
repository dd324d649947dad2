-- Incremental like int_customer_mrr_by_month (macros/incremental.sql): the recomputed months
-- are replaced.
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='recompute',
    recompute_column='month',
    dated_keys=['customer_month_id'],
    on_schema_change='fail',
) }}
-- depends_on: {{ ref('int_reporting_period') }}

with

customer_mrr as (
    select * from {{ ref('int_customer_mrr_by_month') }}
    {% if is_incremental() %}
        where month >= {{ incremental_recompute_from() }}
    {% endif %}
),

-- Text columns cast to the contract's type: an incremental run compares the new batch's column
-- types with the table's: the contract says `text`, which dbt.type_string() gives on Postgres.
final as (
    select
        cast(customer_month_id as {{ dbt.type_string() }}) as customer_month_id,
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        month,
        first_paying_month as cohort_month,
        {{ money('mrr') }} as mrr,
        {{ money('previous_mrr') }} as previous_mrr,
        cast(movement as {{ dbt.type_string() }}) as movement,
        {{ money('movement_mrr') }} as movement_mrr,
        is_paying
    from customer_mrr
)

select * from final
