{#- Access for BI on warehouses with roles (Postgres): the marts' `grants:` (dbt_project.yml) give
    the read-only role named by the var `bi_reader_role` SELECT on each mart table; this adds
    USAGE on the marts schema, which dbt's grants do not cover. Nothing else (raw, staging,
    intermediate, reference) is granted. No-op on DuckDB (a file has no roles). -#}

{#- The BI role, validated (it reaches GRANT statements unquoted). -#}
{% macro bi_reader_role() -%}
    {%- set role = var('bi_reader_role') | string | trim -%}
    {%- if not modules.re.fullmatch('[a-z_][a-z0-9_]{0,62}', role) -%}
        {{ exceptions.raise_compiler_error(
            "var bi_reader_role must be a lower-case role name ([a-z_][a-z0-9_]*), got: " ~ role
        ) }}
    {%- endif -%}
    {{ return(role) }}
{%- endmacro %}

{#- on-run-start: a malformed role name stops the run before any model (or grant) runs. -#}
{% macro validate_bi_reader_role() -%}
    {%- do bi_reader_role() -%}
{%- endmacro %}

{#- on-run-end: `schemas` is the list of schemas the run built in. -#}
{% macro grant_marts_schema_usage(schemas) -%}
    {{ return(adapter.dispatch('grant_marts_schema_usage', 'revops_warehouse')(schemas)) }}
{%- endmacro %}

{% macro default__grant_marts_schema_usage(schemas) -%}
{%- endmacro %}

{% macro postgres__grant_marts_schema_usage(schemas) -%}
    {%- set marts_schema = generate_schema_name('marts', none) -%}
    {%- if marts_schema in schemas -%}
        grant usage on schema {{ adapter.quote(marts_schema) }} to {{ bi_reader_role() }}
    {%- endif -%}
{%- endmacro %}
