{#- The model is empty (e.g. nothing in quarantine). Meant with severity warn, so the build reports
    the rows without failing; every row is returned. -#}
{% test has_no_rows(model, where=none) %}

    select *
    from {{ model }}
    {%- if where %} where {{ where }}{% endif %}

{% endtest %}
