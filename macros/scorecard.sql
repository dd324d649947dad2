{#- Where each headline KPI of the scorecard is read: the one home of the KPI-to-mart mapping
    (kpi_scorecard and its test iterate it). A KPI's name, department, direction and unit are its
    row in the `kpi_catalog` seed; a new KPI is that row and one entry here. `where` picks the
    mart's `all` row where it has a breakdown. A cohort KPI (`is_cohort`) is read from the latest
    cohort mature by each month's end (kpi_scorecard), not from the month itself. -#}
{% macro scorecard_kpi_sources() -%}
    {{ return([
        {'kpi': 'mrr', 'mart': 'kpi_mrr', 'column': 'ending_mrr'},
        {'kpi': 'arr', 'mart': 'kpi_arr', 'column': 'arr'},
        {'kpi': 'net_new_mrr', 'mart': 'kpi_mrr', 'column': 'net_new_mrr'},
        {'kpi': 'arpu', 'mart': 'kpi_arpu', 'column': 'arpu'},
        {'kpi': 'logo_churn_rate', 'mart': 'kpi_churn_rate', 'column': 'logo_churn_rate'},
        {'kpi': 'gross_mrr_churn_rate', 'mart': 'kpi_churn_rate', 'column': 'gross_mrr_churn_rate'},
        {'kpi': 'gross_revenue_retention', 'mart': 'kpi_retention_rate',
            'column': 'gross_revenue_retention'},
        {'kpi': 'net_revenue_retention', 'mart': 'kpi_retention_rate',
            'column': 'net_revenue_retention'},
        {'kpi': 'lead_to_customer_conversion_rate', 'mart': 'kpi_funnel_conversion',
            'column': 'conversion_rate_within_window', 'is_cohort': true,
            'where': "channel = 'all' and from_stage = 'lead' and to_stage = 'customer'"},
        {'kpi': 'win_rate', 'mart': 'kpi_sales_velocity', 'column': 'win_rate',
            'where': "pipeline = 'all'"},
        {'kpi': 'sales_cycle_days', 'mart': 'kpi_sales_cycle_length',
            'column': 'avg_sales_cycle_days', 'where': "pipeline = 'all'"},
        {'kpi': 'sales_velocity', 'mart': 'kpi_sales_velocity', 'column': 'sales_velocity',
            'where': "pipeline = 'all'"},
        {'kpi': 'blended_cac', 'mart': 'kpi_cac', 'column': 'cac', 'where': "channel = 'all'"},
        {'kpi': 'ltv', 'mart': 'kpi_customer_lifetime_value', 'column': 'ltv'},
        {'kpi': 'ltv_to_cac_ratio', 'mart': 'kpi_customer_lifetime_value',
            'column': 'ltv_to_cac_ratio'},
        {'kpi': 'cac_payback_months', 'mart': 'kpi_customer_lifetime_value',
            'column': 'cac_payback_months'},
    ]) }}
{%- endmacro %}

{#- The KPIs' values as one long relation, read from their marts: `month, kpi, kpi_value` for the
    monthly KPIs, or `cohort_month, kpi, kpi_value` for the cohort KPIs (`cohorts=true`). -#}
{% macro scorecard_values(cohorts=false) -%}
    {%- set sources = scorecard_kpi_sources() | selectattr('is_cohort', 'sameas', true) | list
        if cohorts else scorecard_kpi_sources() | rejectattr('is_cohort', 'sameas', true) | list -%}
    {%- for source in sources %}
        select
            {{ 'cohort_month' if cohorts else 'month' }},
            '{{ source.kpi }}' as kpi,
            cast({{ source.column }} as {{ type_double() }}) as kpi_value
        from {{ ref(source.mart) }}
        {%- if source.where %}
            where {{ source.where }}
        {%- endif %}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
{%- endmacro %}
