{#- None of `columns` is null: one scan of the model for all of them (a `not_null` test per
    column scans it once each and is a node of its own, dbt's main fixed cost). Returns one row
    with the null count of each column when any is null. -#}
{% test not_null_columns(model, columns) %}

    with

    null_counts as (
        select {{ null_count_columns(columns) }}
        from {{ model }}
    )

    select *
    from null_counts
    where
        {%- for column in columns %}
        {{ column }}_nulls > 0{{ " or" if not loop.last }}
        {%- endfor %}

{% endtest %}
