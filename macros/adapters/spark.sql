{#- Spark (dbt-spark, local session) implementations of the project's dispatch points, and the
    few dbt macros Spark needs translated. Everything Spark-specific is in this file. -#}

{#- The portable type names the contracts and seeds use (`varchar`, `float8`, ...), as Spark
    spells them: Spark rejects `varchar` without a length and has no `float8`. -#}
{% macro spark_type_name(data_type) -%}
    {%- set name = data_type | string | trim | lower -%}
    {%- set aliases = {
        'varchar': 'string',
        'text': 'string',
        'character varying': 'string',
        'float8': 'double',
        'double precision': 'double',
        'float4': 'float',
        'real': 'float',
        'int4': 'int',
        'integer': 'int',
        'int8': 'bigint',
        'bool': 'boolean',
    } -%}
    {{ return(aliases.get(name, data_type)) }}
{%- endmacro %}

{#- A copy of a node whose seed `column_types` use Spark's names (the node is left as it is). -#}
{% macro spark_seed_model(model) -%}
    {%- set column_types = {} -%}
    {%- for column, data_type in (model['config'].get('column_types') or {}).items() -%}
        {%- do column_types.update({column: spark_type_name(data_type)}) -%}
    {%- endfor -%}
    {%- set config = {} -%}
    {%- do config.update(model['config']) -%}
    {%- do config.update({'column_types': column_types}) -%}
    {%- set translated = {} -%}
    {%- do translated.update(model) -%}
    {%- do translated.update({'config': config}) -%}
    {{ return(translated) }}
{%- endmacro %}

{% macro spark__create_csv_table(model, agate_table) -%}
    {{ return(dbt.spark__create_csv_table(spark_seed_model(model), agate_table)) }}
{%- endmacro %}

{#- A seed value as a Spark SQL literal. dbt-spark's session method binds every value as
    '<python str>', so an empty cell became the text 'None' (dbt-labs/dbt-adapters#487) and a
    quote was not escaped: seeds are inserted as literals instead. -#}
{% macro spark_seed_literal(value) -%}
    {%- if value is none -%} null
    {%- elif value is sameas true -%} true
    {%- elif value is sameas false -%} false
    {%- elif value is number -%} {{ value }}
    {%- else -%} '{{ value | string | replace('\\', '\\\\') | replace("'", "\\'") }}'
    {%- endif -%}
{%- endmacro %}

{% macro spark__load_csv_rows(model, agate_table) -%}
    {%- set column_types = spark_seed_model(model)['config']['column_types'] -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {%- for row in chunk %}
            (
                {%- for column_name in agate_table.column_names -%}
                    {%- set data_type = column_types.get(
                        column_name, adapter.convert_type(agate_table, loop.index0)
                    ) -%}
                    cast({{ spark_seed_literal(row[loop.index0]) }} as {{ data_type }})
                    {%- if not loop.last %}, {% endif -%}
                {%- endfor -%}
            ){%- if not loop.last -%},{%- endif -%}
            {%- endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- do statements.append(sql) -%}
    {%- endfor -%}
    {{ return(statements[0] if statements else '') }}
{%- endmacro %}

{#- Enforced contracts: the declared types, in Spark's names, compared with the model's. -#}
{% macro spark__get_empty_schema_sql(columns) -%}
    {%- set translated = {} -%}
    {%- for name, column in columns.items() -%}
        {%- set copy = {} -%}
        {%- do copy.update(column) -%}
        {%- if column.get('data_type') is not none -%}
            {%- do copy.update({'data_type': spark_type_name(column['data_type'])}) -%}
        {%- endif -%}
        {%- do translated.update({name: copy}) -%}
    {%- endfor -%}
    {{ return(dbt.default__get_empty_schema_sql(translated)) }}
{%- endmacro %}

{#- Safe parsing: the same shape check as DuckDB, then try_cast (null on overflow or an impossible
    date). Where Spark's try_cast disagrees with DuckDB's (and Postgres'), the value is adjusted
    first: `5.0` is an integer there (the zero fraction is dropped), a UTC offset is ignored there
    (it is dropped; Spark would convert it), and `24:00[:00]` is the next midnight there. -#}
{% macro spark__safe_parse(text_expression, kind) -%}
    {%- set parse_type = safe_parse_type(kind) -%}
    case when {{ text_expression }} rlike '{{ safe_parse_shape(kind) }}' then
    {%- if kind == 'integer' %}
        try_cast(regexp_replace({{ text_expression }}, '[.]0*$', '') as {{ parse_type }})
    {%- elif kind == 'timestamp' -%}
        {%- set value = "regexp_replace(" ~ text_expression
            ~ ", '( [0-9:.]+)[+-][0-9]{2}(:?[0-9]{2})?$', '$1')" %}
        case when {{ value }} rlike ' 24:00(:00([.]0*)?)?$'
            then try_cast(substring_index({{ value }}, ' ', 1) as {{ parse_type }}) + interval 1 day
            else try_cast({{ value }} as {{ parse_type }})
        end
    {%- else %}
        try_cast({{ text_expression }} as {{ parse_type }})
    {%- endif %}
    end
{%- endmacro %}

{#- Load order of raw rows: the loader's `_loaded_at` (var raw_loaded_at_column), else the order
    Spark reads the table (scripts/load_raw_to_spark.py writes each table in file order). -#}
{% macro spark__raw_row_number() -%}
    {%- if var('raw_loaded_at_column') -%}
        {{ default__raw_row_number() }}
    {%- else -%}
        row_number() over (order by monotonically_increasing_id())
    {%- endif -%}
{%- endmacro %}

{#- Spark's built-in (Hive) catalog has no access control: GRANT is a parse error there. Access
    to the marts is the catalog's business (Unity Catalog, Ranger): no grant is applied, and the
    run says so once, with the unenforced constraints (the on-run-end hook below). -#}
{% macro spark__apply_grants(relation, grant_config, should_revoke=True) -%}
{%- endmacro %}

{% macro spark__grant_marts_schema_usage(schemas) -%}
    {%- if execute and generate_schema_name('marts', none) in schemas -%}
        {%- do exceptions.warn(
            "Spark: the marts are not granted to " ~ bi_reader_role() ~ " (the built-in catalog "
            ~ "has no access control: grant them in your catalog), and their contracts check "
            ~ "column names and types only (Parquet tables enforce no constraint: not-null "
            ~ "columns are checked once each table is written, keys by the data tests)"
        ) -%}
    {%- endif -%}
{%- endmacro %}

{#- Contracts: dbt-spark adds NOT NULL and CHECK constraints with ALTER TABLE whenever no
    file_format is configured (it assumes Delta). The tables here are Parquet (the profile's
    spark.sql.sources.default), where ALTER COLUMN ... SET NOT NULL is unsupported: the column
    names and types are still checked, and the not-null columns are checked once the table is
    written (the marts have no not-null data tests: D43); keys are left to the data tests. -#}
{% macro spark__persist_constraints(relation, model) -%}
    {%- if config.get('file_format') == 'delta' -%}
        {% do dbt.spark__persist_constraints(relation, model) %}
    {%- else -%}
        {% do check_not_null_constraints(relation, model) %}
    {%- endif -%}
{%- endmacro %}

{#- A contract's not_null constraints, checked on a table the warehouse wrote without enforcing
    them: the model fails, naming each column with nulls and how many (D43). -#}
{% macro check_not_null_constraints(relation, model) -%}
    {%- set columns = [] -%}
    {%- for column in model.columns.values() -%}
        {%- if column.constraints | selectattr('type', 'equalto', 'not_null') | list -%}
            {%- do columns.append(column.name) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if columns and execute -%}
        {%- set null_counts -%}
            select {{ null_count_columns(columns) }}
            from {{ relation }}
        {%- endset -%}
        {%- set counts = run_query(null_counts).rows[0] -%}
        {%- set failed = [] -%}
        {%- for column in columns -%}
            {%- if counts[loop.index0] -%}
                {%- do failed.append(column ~ " (" ~ counts[loop.index0] ~ " rows)") -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if failed -%}
            {{ exceptions.raise_compiler_error(
                "NOT NULL constraint failed on " ~ relation ~ ": " ~ failed | join(", ")
            ) }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- dbt-spark's dateadd goes through unix seconds and drops fractions of a second; an interval
    keeps them. -#}
{% macro spark__add_minutes(minutes, timestamp) -%}
    ({{ timestamp }} + make_dt_interval(0, 0, cast({{ minutes }} as int), 0))
{%- endmacro %}
