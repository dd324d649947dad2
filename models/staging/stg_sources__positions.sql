-- How far each dated raw table runs past (or lags behind) the as-of date. Sources end on
-- different days (a CRM syncs hourly, billing nightly, a finance sheet monthly): the marts cut
-- every fact at the as-of instant (macros/as_of.sql), and this view makes each source's position
-- visible instead of letting a slow one drag the KPIs back. Tables without a date of their own
-- (prices, line items, owners) follow their parents. A rate holds until the next one
-- (raw contract), so fx_rates' latest date says when a rate was last set, not how far the
-- source runs: it is shown but not checked for lag.
{%- set dated_tables = [
    ('raw_crm', 'contacts', 'stg_crm__contacts', 'coalesce(updated_at, created_at)'),
    ('raw_crm', 'companies', 'stg_crm__companies', 'coalesce(updated_at, created_at)'),
    ('raw_crm', 'deals', 'stg_crm__deals', 'coalesce(updated_at, created_at)'),
    ('raw_crm', 'deal_stage_history', 'stg_crm__deal_stage_history', 'entered_at'),
    ('raw_billing', 'customers', 'stg_billing__customers', 'created_at'),
    ('raw_billing', 'subscriptions', 'stg_billing__subscriptions', 'created_at'),
    ('raw_billing', 'invoices', 'stg_billing__invoices', 'created_at'),
    ('raw_billing', 'refunds', 'stg_billing__refunds', 'created_at'),
    ('raw_finance', 'expenses', 'stg_finance__expenses', 'incurred_date'),
    ('raw_finance', 'fx_rates', 'stg_finance__fx_rates', 'rate_date'),
] %}

with

as_of as (
    select {{ as_of_date_sql() }} as as_of_date
),

positions as (
    {%- for source_name, table_name, model_name, fact_date in dated_tables %}
        select
            '{{ source_name }}.{{ table_name }}' as source_table,
            '{{ source_name }}' as source_name,
            '{{ table_name }}' as table_name,
            max(cast({{ fact_date }} as date)) as latest_fact_date,
            sum(
                case when cast({{ fact_date }} as date) > as_of.as_of_date then 1 else 0 end
            ) as rows_after_as_of,
            count(*) as dated_rows
        from {{ ref(model_name) }}
        cross join as_of
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

final as (
    select
        positions.source_table,
        positions.source_name,
        positions.table_name,
        positions.latest_fact_date,
        as_of.as_of_date,
        -- Positive: the source ends before the as-of date; negative: it runs past it.
        {{ dbt.datediff(
            'positions.latest_fact_date',
            'as_of.as_of_date',
            'day',
        ) }} as lag_days,
        positions.table_name <> 'fx_rates' as is_lag_checked,
        cast(coalesce(positions.rows_after_as_of, 0) as integer) as rows_after_as_of,
        cast(positions.dated_rows as integer) as dated_rows
    from positions
    -- A table without rows still has its row here, with the build's as-of date.
    cross join as_of
)

select * from final
