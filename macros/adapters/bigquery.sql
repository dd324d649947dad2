{#- BigQuery implementations of the project's dispatch points (and of three dbt macros whose
    BigQuery output the models cannot use). Compile-checked only (`make compile-adapters`): no
    build on BigQuery has been run. -#}

{#- Safe parsing: the same shape check as DuckDB and Postgres, then SAFE_CAST. SAFE_CAST refuses
    `5.0` as an INT64 and converts a UTC offset, where DuckDB accepts the first and ignores the
    second: both are removed before the cast. -#}
{% macro bigquery__safe_parse(text_expression, kind) -%}
    {%- set value = text_expression -%}
    {%- if kind == 'integer' -%}
        {%- set value = "regexp_replace(" ~ text_expression ~ ", r'[.]0*$', '')" -%}
    {%- elif kind == 'timestamp' -%}
        {%- set value = "regexp_replace(" ~ text_expression
            ~ ", r'( [0-9:.]+)[+-][0-9]{2}(:?[0-9]{2})?$', r'\\1')" -%}
    {%- endif -%}
    case when regexp_contains({{ text_expression }}, r'{{ safe_parse_shape(kind) }}')
        then safe_cast({{ value }} as {{ safe_parse_type(kind) }})
    end
{%- endmacro %}

{#- Load order of raw rows: the EL tool's load-time column (var raw_loaded_at_column); without it
    the order is arbitrary (ROW_NUMBER needs no ORDER BY on BigQuery). -#}
{% macro bigquery__raw_row_number() -%}
    {{ return(raw_row_number_by_load_column()) }}
{%- endmacro %}

{#- dbt's default builds the series from power(2, n), a FLOAT64 on BigQuery, and INTERVAL takes
    an INT64: the models add generated_number days or months to dates. -#}
{% macro bigquery__generate_series(upper_bound) -%}
    select generated_number
    from unnest(generate_array(1, {{ upper_bound }})) as generated_number
{%- endmacro %}

{#- dbt-bigquery's dateadd returns a DATETIME, which BigQuery never compares with or coalesces
    into a TIMESTAMP (int_deals_enriched does: coalesce(left_at, as-of date + 1 day)). Staging
    parses every instant as a UTC TIMESTAMP, so dateadd returns a TIMESTAMP here, as it does on
    DuckDB; the models cast it to a date where they need one. -#}
{% macro bigquery__dateadd(datepart, interval, from_date_or_timestamp) -%}
    {%- if datepart | lower in ['microsecond', 'millisecond', 'second', 'minute', 'hour', 'day'] -%}
        timestamp_add(cast({{ from_date_or_timestamp }} as timestamp), interval {{ interval }} {{ datepart }})
    {%- else -%}
        cast(
            datetime_add(cast({{ from_date_or_timestamp }} as datetime), interval {{ interval }} {{ datepart }})
            as timestamp
        )
    {%- endif -%}
{%- endmacro %}
