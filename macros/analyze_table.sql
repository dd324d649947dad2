{#- post-hook: fresh planner statistics for a table just built. Postgres only collects them
    when autovacuum gets round to it (a minute later), and without them it estimates the stg_
    views' `row_status = 'staged'` filters at 0.5 % of the rows and picks nested loops. -#}
{% macro analyze_table() -%}
    {{ return(adapter.dispatch('analyze_table', 'revops_warehouse')()) }}
{%- endmacro %}

{% macro default__analyze_table() -%}
{%- endmacro %}

{% macro postgres__analyze_table() -%}
    {%- if config.get('materialized') == 'table' -%}
        analyze {{ this }}
    {%- endif -%}
{%- endmacro %}
