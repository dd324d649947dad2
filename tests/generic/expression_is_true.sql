{#- Every row satisfies `expression` (a SQL boolean over the model's columns); rows where it is
    false or null are returned. Optional `where` narrows the rows checked. -#}
{% test expression_is_true(model, expression, column_name=none, where=none) %}

    select *
    from {{ model }}
    where not coalesce(({{ expression }}), false)
    {%- if where %}
        and ({{ where }})
    {%- endif %}

{% endtest %}
