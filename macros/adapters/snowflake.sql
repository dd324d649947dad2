{#- Snowflake implementations of the project's dispatch points (and of dbt's generate_series).
    Compile-checked only (`make compile-adapters`): no build on Snowflake has been run. -#}

{#- Safe parsing: the same shape check as DuckDB and Postgres, then TRY_CAST. Without the check
    Snowflake's TRY_CAST rounds `1.5` to the integer 2 (half a seat would pass) and reads a bare
    number as epoch seconds in a timestamp. `5.0` as an integer and a UTC offset are accepted and
    the offset ignored, as on DuckDB: both are removed before the cast. -#}
{% macro snowflake__safe_parse(text_expression, kind) -%}
    {%- set value = text_expression -%}
    {%- if kind == 'integer' -%}
        {%- set value = "regexp_replace(" ~ text_expression ~ ", '[.]0*$', '')" -%}
    {%- elif kind == 'timestamp' -%}
        {%- set value = "regexp_replace(" ~ text_expression
            ~ ", '( [0-9:.]+)[+-][0-9]{2}(:?[0-9]{2})?$', '\\\\1')" -%}
    {%- endif -%}
    case when regexp_like({{ text_expression }}, '{{ safe_parse_shape(kind) }}')
        then try_cast({{ value }} as {{ safe_parse_type(kind) }})
    end
{%- endmacro %}

{#- Load order of raw rows: the EL tool's load-time column (var raw_loaded_at_column), unquoted:
    a quoted lower-case name would not match the upper-case column Snowflake loaders create.
    Without it the order is arbitrary (SEQ8, as the table is scanned). -#}
{% macro snowflake__raw_row_number() -%}
    {%- set loaded_at = raw_loaded_at_identifier() -%}
    {%- if loaded_at -%}
        row_number() over (order by {{ loaded_at }})
    {%- else -%}
        row_number() over (order by seq8())
    {%- endif -%}
{%- endmacro %}

{#- dbt's default builds the series from power(2, n), a FLOAT on Snowflake; the models add
    generated_number days or months to dates, so it is an integer here. -#}
{% macro snowflake__generate_series(upper_bound) -%}
    select row_number() over (order by seq4()) as generated_number
    from table(generator(rowcount => {{ upper_bound }}))
{%- endmacro %}
