{#- Schemas are the layer names (staging, intermediate, marts, reference) exactly, so BI users find
    the marts in `marts` on every target, not in `<target schema>_marts`. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
