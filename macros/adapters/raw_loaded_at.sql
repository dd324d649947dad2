{#- The EL tool's load-time column (var raw_loaded_at_column, e.g. _fivetran_synced), validated
    as a plain identifier since it reaches SQL unquoted; none when the var is not set. Used by
    the Snowflake, BigQuery and Trino raw_row_number. -#}
{% macro raw_loaded_at_identifier() -%}
    {%- set value = var('raw_loaded_at_column') -%}
    {%- if value is none or (value | string | trim) == '' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set text = value | string | trim -%}
    {%- if not modules.re.fullmatch('[A-Za-z_][A-Za-z0-9_]{0,127}', text) -%}
        {{ exceptions.raise_compiler_error(
            "var raw_loaded_at_column must be a column name ([A-Za-z_][A-Za-z0-9_]*), got: " ~ text
        ) }}
    {%- endif -%}
    {{ return(text) }}
{%- endmacro %}

{#- Load order of raw rows by that column; without it the order is arbitrary (BigQuery and Trino
    take ROW_NUMBER with no ORDER BY). -#}
{% macro raw_row_number_by_load_column() -%}
    {%- set loaded_at = raw_loaded_at_identifier() -%}
    {%- if loaded_at -%}
        row_number() over (order by {{ adapter.quote(loaded_at) }})
    {%- else -%}
        row_number() over ()
    {%- endif -%}
{%- endmacro %}
