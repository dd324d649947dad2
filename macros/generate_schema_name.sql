{#- Schemas per target. A production target (var `production_targets`: the profile's shipped
    outputs) writes the layer names exactly (staging, intermediate, marts, reference), so BI users
    find the marts in `marts` on every warehouse. Any other target is a developer's: it writes
    `<target schema>_<layer>` (dbt's default), so two analysts sharing a warehouse never overwrite
    each other or production. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- elif target.name in production_target_names() -%}
        {{ custom_schema_name | trim }}
    {%- else -%}
        {{ target.schema }}_{{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}

{#- The validated list of production target names. -#}
{% macro production_target_names() -%}
    {%- set names = var('production_targets') -%}
    {%- if names is string -%}{%- set names = [names] -%}{%- endif -%}
    {%- for name in names -%}
        {%- if not modules.re.fullmatch('[A-Za-z0-9_-]+', name | string) -%}
            {{ exceptions.raise_compiler_error("var production_targets must list target names, got: " ~ name) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(names | map('string') | list) }}
{%- endmacro %}
