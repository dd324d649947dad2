{#- A 64-bit float on every adapter. type_double() is 32-bit FLOAT on DuckDB and Spark, which
    loses cents on amounts over ~100k. -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'revops_warehouse')()) }}
{%- endmacro %}

{% macro default__type_double() -%}double precision{%- endmacro %}
{% macro duckdb__type_double() -%}double{%- endmacro %}
{% macro spark__type_double() -%}double{%- endmacro %}
{% macro databricks__type_double() -%}double{%- endmacro %}
{% macro trino__type_double() -%}double{%- endmacro %}
{% macro bigquery__type_double() -%}float64{%- endmacro %}
