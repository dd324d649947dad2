{#- The median of an expression (even count: the mean of the two middle values), in every engine
    the project runs or compiles on: this file is the median's one home. -#}
{% macro median(expression) -%}
    {{ return(adapter.dispatch('median', 'revops_warehouse')(expression)) }}
{%- endmacro %}

{% macro default__median(expression) -%}
    percentile_cont(0.5) within group (order by {{ expression }})
{%- endmacro %}

{% macro duckdb__median(expression) -%}
    median({{ expression }})
{%- endmacro %}

{% macro spark__median(expression) -%}
    percentile({{ expression }}, 0.5)
{%- endmacro %}

{% macro snowflake__median(expression) -%}
    median({{ expression }})
{%- endmacro %}

{#- BigQuery's PERCENTILE_CONT is an analytic function only (no WITHIN GROUP): the exact median of
    the group, over its values gathered in an array. -#}
{% macro bigquery__median(expression) -%}
    (
        select percentile_cont(median_value, 0.5) over ()
        from unnest(array_agg({{ expression }} ignore nulls)) as median_value
        limit 1
    )
{%- endmacro %}

{#- Trino has no PERCENTILE_CONT nor MEDIAN (approx_percentile only): the exact median from the
    group's sorted values, the mean of the two middle ones for an even count. Integer division
    of the positions is meant here; the values are averaged as doubles. -#}
{% macro trino__median(expression) -%}
    case when count({{ expression }}) > 0 then (
        cast(element_at(
            array_sort(array_agg({{ expression }}) filter (where {{ expression }} is not null)),
            (count({{ expression }}) + 1) / 2
        ) as double)
        + cast(element_at(
            array_sort(array_agg({{ expression }}) filter (where {{ expression }} is not null)),
            (count({{ expression }}) + 2) / 2
        ) as double)
    ) / 2 end
{%- endmacro %}
