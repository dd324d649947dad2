{#- Trino implementations of the project's dispatch points (and of dbt's generate_series).
    Compile-checked only (`make compile-adapters`): no build on Trino has been run. -#}

{#- Safe parsing: the same shape check as DuckDB and Postgres, then TRY_CAST. Trino refuses `5.0`
    as a BIGINT and a UTC offset in a TIMESTAMP, where DuckDB accepts the first and ignores the
    second: both are removed before the cast. Instants are timestamp(6), as on DuckDB (Trino's
    `timestamp` is milliseconds; Iceberg stores microseconds). -#}
{% macro trino__safe_parse(text_expression, kind) -%}
    {%- set value = text_expression -%}
    {%- set data_type = 'timestamp(6)' if kind == 'timestamp' else safe_parse_type(kind) -%}
    {%- if kind == 'integer' -%}
        {%- set value = "regexp_replace(" ~ text_expression ~ ", '[.]0*$', '')" -%}
    {%- elif kind == 'timestamp' -%}
        {%- set value = "regexp_replace(" ~ text_expression
            ~ ", '( [0-9:.]+)[+-][0-9]{2}(:?[0-9]{2})?$', '$1')" -%}
    {%- endif -%}
    case when regexp_like({{ text_expression }}, '{{ safe_parse_shape(kind) }}')
        then try_cast({{ value }} as {{ data_type }})
    end
{%- endmacro %}

{#- Load order of raw rows: the EL tool's load-time column (var raw_loaded_at_column); without it
    the order is arbitrary (ROW_NUMBER needs no ORDER BY on Trino). -#}
{% macro trino__raw_row_number() -%}
    {{ return(raw_row_number_by_load_column()) }}
{%- endmacro %}

{#- dbt's default builds the series from power(2, n), a DOUBLE on Trino, and date_add takes a
    BIGINT: the models add generated_number days or months to dates. Trino's sequence() stops at
    10,000 entries, so thousands x units. -#}
{% macro trino__generate_series(upper_bound) -%}
    {%- set thousands = ((upper_bound | int) / 1000) | round(0, 'ceil') | int -%}
    select generated_number
    from (
        select (thousands.value - 1) * 1000 + units.value as generated_number
        from unnest(sequence(1, {{ thousands }})) as thousands (value)
        cross join unnest(sequence(1, 1000)) as units (value)
    ) as series
    where generated_number <= {{ upper_bound | int }}
{%- endmacro %}
