{#-
    Parsing of raw values. The raw layer is text (CSV read with every column as text) or typed
    (Parquet, warehouse tables); every macro first renders its input as trimmed text, so the same
    staging model is correct for both, and never trusts a type guessed from a file.
    Values that cannot be parsed become null here; `first_unparseable_column` reports them so the
    row is quarantined instead of silently losing a value.
-#}

{% macro clean_text(column) -%}
    nullif(trim(cast({{ column }} as {{ dbt.type_string() }})), '')
{%- endmacro %}

{#- A timestamp as safe_parse reads it: `T` separator and trailing `Z` (UTC) removed. -#}
{% macro timestamp_text(column) -%}
    replace(replace({{ clean_text(column) }}, 'T', ' '), 'Z', '')
{%- endmacro %}

{#- Accepts `YYYY-MM-DD HH:MM:SS`, a `T` separator, a trailing `Z` (UTC), a UTC offset after
    the time (`-05:00`, `+0530`, `+05`, at most 14:59) or a bare date; returns the UTC instant.
    safe_parse reads the local time and ignores an offset on every engine; the offset is then
    subtracted here, in portable SQL (so `2024-01-31 23:30:00-05:00` is 2024-02-01 04:30 UTC).
    One dateadd for every value (0 minutes without an offset): a CASE around the whole parse
    cost three times as much at 9M rows. -#}
{% macro parse_timestamp(column) -%}
    {{ return(adapter.dispatch('parse_timestamp', 'revops_warehouse')(column)) }}
{%- endmacro %}

{#- DuckDB: the SQL macro the on-run-start hook creates from the default below
    (create_safe_parse_functions). -#}
{% macro duckdb__parse_timestamp(column) -%}
    {{ adapter.quote(target.schema) }}.revops_parse_timestamp({{ column }})
{%- endmacro %}

{% macro default__parse_timestamp(column) -%}
    {%- set text = timestamp_text(column) -%}
    {%- set offset = "replace(regexp_replace(" ~ text ~ ", '^.* [0-9:.]*', ''), ':', '')" -%}
    {%- set offset_hours = safe_parse("substring(" ~ offset ~ ", 2, 2)", 'integer') -%}
    {%- set offset_minutes = "coalesce(" ~ safe_parse("substring(" ~ offset ~ ", 4, 2)", 'integer')
        ~ ", 0)" -%}
    {{ add_minutes(
        "(case when " ~ text ~ " like '% %+%' or " ~ text ~ " like '% %-%' then "
            ~ "(case when " ~ offset ~ " like '-%' then 1 else -1 end) * ("
            ~ offset_hours ~ " * 60 + " ~ offset_minutes ~ ") else 0 end)",
        safe_parse(text, 'timestamp'),
    ) }}
{%- endmacro %}

{#- A timestamp plus a whole number of minutes, keeping fractions of a second on every engine
    (staging's offsets, the funnel's conversion window). -#}
{% macro add_minutes(minutes, timestamp) -%}
    {{ return(adapter.dispatch('add_minutes', 'revops_warehouse')(minutes, timestamp)) }}
{%- endmacro %}

{% macro default__add_minutes(minutes, timestamp) -%}
    {{ dbt.dateadd('minute', minutes, timestamp) }}
{%- endmacro %}

{% macro parse_date(column) -%}
    {{ safe_parse(clean_text(column), 'date') }}
{%- endmacro %}

{% macro parse_boolean(column) -%}
    case lower({{ clean_text(column) }})
        when 'true' then true
        when 'false' then false
    end
{%- endmacro %}

{% macro parse_integer(column) -%}
    {{ safe_parse(clean_text(column), 'integer') }}
{%- endmacro %}

{% macro parse_decimal(column) -%}
    {{ safe_parse(clean_text(column), 'decimal') }}
{%- endmacro %}

{#- ISO 4217 codes arrive in any case (`usd`, `Eur`). -#}
{% macro parse_currency(column) -%}
    upper({{ clean_text(column) }})
{%- endmacro %}

{#- Billing money is an integer in minor units; minor_units comes from the currencies seed
    (2 for USD, 0 for JPY, 3 for KWD). -#}
{% macro minor_to_major(amount_minor, minor_units) -%}
    cast(
        cast({{ amount_minor }} as {{ type_double() }}) / power(10, {{ minor_units }})
        as {{ dbt.type_numeric() }}
    )
{%- endmacro %}

{#- Parser for each kind of column `first_unparseable_column` understands. -#}
{% macro parse_as(column, kind) -%}
    {#- A timestamp is null exactly when its local time does not parse (the shape bounds the
        offset): the cheaper test, without the offset arithmetic. -#}
    {%- if kind == 'timestamp' -%} {{ safe_parse(timestamp_text(column), 'timestamp') }}
    {%- elif kind == 'date' -%} {{ parse_date(column) }}
    {%- elif kind == 'boolean' -%} {{ parse_boolean(column) }}
    {%- elif kind == 'integer' -%} {{ parse_integer(column) }}
    {%- elif kind == 'decimal' -%} {{ parse_decimal(column) }}
    {%- else -%} {{ exceptions.raise_compiler_error("parse_as: unknown kind " ~ kind) }}
    {%- endif -%}
{%- endmacro %}

{#- The name of the first column whose raw value is present but does not parse as its kind,
    else null. `columns` maps raw column name (may be qualified: `source.amount`) -> kind. -#}
{% macro first_unparseable_column(columns) -%}
    case
    {%- for column, kind in columns.items() %}
        when {{ clean_text(column) }} is not null and {{ parse_as(column, kind) }} is null
            then '{{ column.split('.') | last }}'
    {%- endfor %}
    end
{%- endmacro %}

{#- Position of a raw row in its load, so that "the last row wins" among duplicates. On DuckDB
    the files are read in order; on a warehouse the EL tool's load-time column (var
    `raw_loaded_at_column`, e.g. _fivetran_synced) orders the rows. -#}
{% macro raw_row_number() -%}
    {{ return(adapter.dispatch('raw_row_number', 'revops_warehouse')()) }}
{%- endmacro %}

{% macro default__raw_row_number() -%}
    {%- set loaded_at = var('raw_loaded_at_column') -%}
    {%- if loaded_at -%}
        row_number() over (order by {{ adapter.quote(loaded_at) }})
    {%- else -%}
        row_number() over (order by (select null))
    {%- endif -%}
{%- endmacro %}

{% macro duckdb__raw_row_number() -%}
    row_number() over ()
{%- endmacro %}
