{#- Parsing that never fails: a raw value that does not parse is null, so that
    `first_unparseable_column` quarantines its row. dbt.safe_cast is TRY_CAST on Snowflake and
    BigQuery but a plain CAST on DuckDB (dbt-duckdb 1.11 does not override it) and Postgres: there
    one bad raw value failed the whole staging model. `kind` is timestamp, date, integer or decimal.
    DuckDB and Postgres first check the value's shape, so both accept exactly the same spellings
    (no `1.5` or `1e3` as an integer, no `infinity`, `now`, `epoch` or `NaN`, no time in a date;
    a UTC offset, as typed Parquet timestamps render, is accepted and ignored here by every
    engine: parse_timestamp converts it to UTC). -#}
{% macro safe_parse(text_expression, kind) -%}
    {{ return(adapter.dispatch('safe_parse', 'revops_warehouse')(text_expression, kind)) }}
{%- endmacro %}

{% macro safe_parse_type(kind) -%}
    {%- if kind == 'timestamp' -%} {{ return(api.Column.translate_type("timestamp")) }}
    {%- elif kind == 'date' -%} {{ return("date") }}
    {%- elif kind == 'integer' -%} {{ return(api.Column.translate_type("bigint")) }}
    {%- elif kind == 'decimal' -%} {{ return(dbt.type_numeric()) }}
    {%- endif -%}
    {{ exceptions.raise_compiler_error("safe_parse: unknown kind " ~ kind) }}
{%- endmacro %}

{#- The accepted shape of each kind, a regular expression (POSIX and RE2 alike). A UTC offset
    is at most 14:59. -#}
{% macro safe_parse_shape(kind) -%}
    {%- set shapes = {
        'timestamp': '^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}'
            ~ '( [0-9]{1,2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?([+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)?)?$',
        'date': '^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}$',
        'integer': '^[+-]?[0-9]+([.]0*)?$',
        'decimal': '^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$',
    } -%}
    {%- if kind not in shapes -%}
        {{ exceptions.raise_compiler_error("safe_parse: unknown kind " ~ kind) }}
    {%- endif -%}
    {{ return(shapes[kind]) }}
{%- endmacro %}

{% macro default__safe_parse(text_expression, kind) -%}
    {{ dbt.safe_cast(text_expression, safe_parse_type(kind)) }}
{%- endmacro %}

{#- DuckDB: one SQL macro per kind in the target schema (created by the on-run-start hook below),
    which DuckDB expands where it is called: the same expression as written inline, and short
    compiled staging models (sqlfluff lints the compiled SQL: D45). -#}
{% macro duckdb__safe_parse(text_expression, kind) -%}
    {{ adapter.quote(target.schema) }}.revops_try_{{ kind }}({{ text_expression }})
{%- endmacro %}

{% macro duckdb_safe_parse_body(text_expression, kind) -%}
    case when regexp_full_match({{ text_expression }}, '{{ safe_parse_shape(kind) }}')
        then try_cast({{ text_expression }} as {{ safe_parse_type(kind) }})
    end
{%- endmacro %}

{#- Postgres 15 has no TRY_CAST nor pg_input_is_valid: one small PL/pgSQL function per kind, in
    the target schema, created by the on-run-start hook below. -#}
{% macro postgres__safe_parse(text_expression, kind) -%}
    {{ adapter.quote(target.schema) }}.revops_try_{{ kind }}({{ text_expression }})
{%- endmacro %}

{% macro create_safe_parse_functions() -%}
    {{ return(adapter.dispatch('create_safe_parse_functions', 'revops_warehouse')()) }}
{%- endmacro %}

{% macro default__create_safe_parse_functions() -%}
{%- endmacro %}

{#- The parse of a raw timestamp last: its body calls the others. -#}
{% macro duckdb__create_safe_parse_functions() -%}
    {%- set schema = adapter.quote(target.schema) -%}
    create schema if not exists {{ schema }};
    {%- for kind in ['timestamp', 'date', 'integer', 'decimal'] %}
    create or replace macro {{ schema }}.revops_try_{{ kind }}(raw_text) as
        {{ duckdb_safe_parse_body('raw_text', kind) }};
    {%- endfor %}
    create or replace macro {{ schema }}.revops_parse_timestamp(raw_value) as
        {{ default__parse_timestamp('raw_value') }};
{%- endmacro %}

{% macro postgres__create_safe_parse_functions() -%}
    {%- set schema = adapter.quote(target.schema) -%}
    create schema if not exists {{ schema }};
    {%- for kind in ['timestamp', 'date', 'integer', 'decimal'] %}
    create or replace function {{ schema }}.revops_try_{{ kind }}(value text)
    returns {{ safe_parse_type(kind) }}
    language plpgsql stable parallel safe as $revops$
    begin
        if value !~ '{{ safe_parse_shape(kind) }}' then
            return null;
        end if;
        {%- if kind == 'integer' %}
        return cast(cast(value as numeric) as {{ safe_parse_type(kind) }});
        {%- else %}
        return cast(value as {{ safe_parse_type(kind) }});
        {%- endif %}
    exception when others then
        return null;
    end
    $revops$;
    {%- endfor %}
    {#- JSON held as text (Stripe metadata), null when it is not valid JSON. -#}
    create or replace function {{ schema }}.revops_try_json(value text)
    returns json
    language plpgsql stable parallel safe as $revops$
    begin
        return cast(value as json);
    exception when others then
        return null;
    end
    $revops$;
{%- endmacro %}
