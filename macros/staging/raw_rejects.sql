{#-
    Raw CSV lines the reader cannot split into the header's fields (a ragged row: fewer or more
    fields than the header) are quarantined with their file and line, and the rest of the file is
    staged. On DuckDB the sources read CSV with a pinned dialect and `store_rejects`
    (models/staging/*/_*__sources.yml): the reader skips such a line and records it (file, line,
    error) in temporary tables of the connection, `revops_rejects_<table>` and
    `revops_reject_scans_<table>`. A base model's post-hook (dbt runs it on the model's
    connection, right after the model's own read of the file) appends those lines to the base
    table as quarantined rows: no second read of the file. Parquet files and warehouse tables
    cannot be ragged: no-op there.
-#}

{#- The two columns that locate a rejected line; null for every row the reader read. -#}
{% macro rejected_line_columns() -%}
    cast(null as {{ dbt.type_string() }}) as raw_file,
    cast(null as {{ dbt.type_bigint() }}) as raw_line
{%- endmacro %}

{% macro quarantine_rejected_lines() -%}
    {{ return(adapter.dispatch('quarantine_rejected_lines', 'revops_warehouse')()) }}
{%- endmacro %}

{% macro default__quarantine_rejected_lines() -%}
{%- endmacro %}

{% macro duckdb__quarantine_rejected_lines() -%}
    {#- The raw table a base model reads: through its source adapter (models/staging/<domain>/
        <shape>/), which reads exactly one raw file. -#}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set read_sources = [] -%}
    {%- for node_id in model.depends_on.nodes if node_id.startswith('model.') -%}
        {%- do read_sources.extend(graph.nodes[node_id].sources) -%}
    {%- endfor -%}
    {%- if read_sources | length != 1 -%}
        {{ return('') }}
    {%- endif -%}
    {%- set source_name, table_name = read_sources[0] -%}
    {%- if 'store_rejects' not in (source(source_name, table_name).external or '') -%}
        {{ return('') }}
    {%- endif -%}
    {%- set rejects = 'revops_rejects_' ~ table_name -%}
    {%- set scans = 'revops_reject_scans_' ~ table_name -%}
    {#- An incremental run re-read the whole file: its rejected lines replace the kept ones,
        numbered after the rows read as a full build numbers them. -#}
    {%- if is_incremental() %}
    delete from {{ this }} where raw_file is not null;
    {% endif %}
    insert into {{ this }} (
        raw_row_number, raw_file, raw_line, quarantine_reason, row_status, fate_computed_at
    )
    with

    numbered as (
        select coalesce(max(raw_row_number), 0) as last_row_number from {{ this }}
    ),

    -- Every read of an unchanged file rejects the same lines: the latest read's are this model's.
    latest_scan as (
        select max(scan_id) as scan_id from {{ scans }}
    ),

    rejected_lines as (
        select
            scans.file_path,
            rejects.line,
            -- One row per line; a line can carry several errors.
            bool_and(rejects.error_type in ('MISSING COLUMNS', 'TOO MANY COLUMNS'))
                as is_ragged,
            min(rejects.error_type) as error_type
        from {{ rejects }} as rejects
        inner join {{ scans }} as scans
            on rejects.scan_id = scans.scan_id and rejects.file_id = scans.file_id
        inner join latest_scan
            on rejects.scan_id = latest_scan.scan_id
        group by scans.file_path, rejects.line
    )

    select
        -- Numbered after the rows read, so raw_row_number stays a unique key of the load.
        numbered.last_row_number + row_number() over (order by rejected_lines.line),
        rejected_lines.file_path,
        rejected_lines.line,
        case
            when rejected_lines.is_ragged then 'wrong number of fields'
            else 'unreadable line: ' || lower(rejected_lines.error_type)
        end,
        'quarantined',
        {{ run_started_at_sql() }}
    from rejected_lines
    cross join numbered
{%- endmacro %}
