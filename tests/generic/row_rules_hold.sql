{#- A model's row rules hold on every row, in one scan of the model and one test node for all of
    them (a test per rule is a node of its own, dbt's main fixed cost: decisions D42, D44):
      not_null         columns that are never null: rule `<column>_is_not_null`
      accepted_values  {column: [values]}: the column is null or one of them (as dbt's
                       accepted_values): rule `<column>_is_accepted`; strings are quoted,
                       numbers are not (dbt's `quote: false`)
      rules            {rule name: SQL boolean over the model's columns}
    A row is returned when any rule is false or null on it, with one `holds__<rule>` column per
    rule saying which. Write a nullable column's rule as `x is null or ...` where a null is
    allowed. -#}
{% test row_rules_hold(model, rules={}, not_null=[], accepted_values={}) %}

    {%- set all_rules = row_rules(rules, not_null, accepted_values) %}

    with

    checked as (
        select
            *,
            {%- for name, expression in all_rules.items() %}
            coalesce(({{ expression }}), false) as holds__{{ name }}
            {{- "," if not loop.last }}
            {%- endfor %}
        from {{ model }}
    )

    select *
    from checked
    where
        {%- for name in all_rules %}
        not holds__{{ name }}{{ " or" if not loop.last }}
        {%- endfor %}

{% endtest %}
