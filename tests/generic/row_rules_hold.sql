{#- Each named rule of `rules` (a mapping of rule name to a SQL boolean over the model's
    columns) holds on every row, in one scan of the model and one test node for all of them
    (a test per rule is a node of its own, dbt's main fixed cost: decision D42). A row is
    returned when any rule is false or null on it, with one `holds__<rule>` column per rule
    saying which. Write a nullable column's rule as `x is null or ...` where a null is allowed. -#}
{% test row_rules_hold(model, rules) %}

    {%- if rules is not mapping or rules | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            "row_rules_hold needs `rules`: a mapping of rule name to SQL boolean, got: " ~ rules
        ) }}
    {%- endif -%}
    {%- for name in rules -%}
        {%- if not modules.re.match('^[a-z][a-z0-9_]*$', name) -%}
            {{ exceptions.raise_compiler_error(
                "row_rules_hold: rule names are lower-case identifiers, got: " ~ name
            ) }}
        {%- endif -%}
    {%- endfor %}

    with

    checked as (
        select
            *,
            {%- for name, expression in rules.items() %}
            coalesce(({{ expression }}), false) as holds__{{ name }}
            {{- "," if not loop.last }}
            {%- endfor %}
        from {{ model }}
    )

    select *
    from checked
    where
        {%- for name in rules %}
        not holds__{{ name }}{{ " or" if not loop.last }}
        {%- endfor %}

{% endtest %}
