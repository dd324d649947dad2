{#- Month arithmetic shared by every layer, as dates on every adapter. -#}

{#- First day of the month of a date or timestamp, as a date on every adapter. -#}
{% macro month_of(expression) -%}
    cast({{ dbt.date_trunc('month', expression) }} as date)
{%- endmacro %}

{#- A date `months` months after a month (first day), as a date. -#}
{% macro add_months(months, month) -%}
    cast({{ dbt.dateadd('month', months, month) }} as date)
{%- endmacro %}
