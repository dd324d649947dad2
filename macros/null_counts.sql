{#- The select list counting each column's nulls, `<column>_nulls`: the not-null check of tables
    that enforce no constraint (Spark). -#}
{% macro null_count_columns(columns) -%}
    {%- for column in columns %}
    sum(case when {{ column }} is null then 1 else 0 end) as {{ column }}_nulls
    {{- "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}
