{#- Money as the marts expose it: rounded to the cent, a plain decimal type BI drivers read. -#}
{% macro money(expression) -%}
    cast(round(cast({{ expression }} as {{ dbt.type_numeric() }}), 2) as decimal(18, 2))
{%- endmacro %}

{#- A ratio, null (never 0 or infinity) when the denominator is zero or null. -#}
{% macro safe_ratio(numerator, denominator) -%}
    cast({{ numerator }} as {{ type_double() }})
        / nullif(cast({{ denominator }} as {{ type_double() }}), 0)
{%- endmacro %}

{#- First day of the month of a date or timestamp, as a date on every adapter. -#}
{% macro month_of(expression) -%}
    cast({{ dbt.date_trunc('month', expression) }} as date)
{%- endmacro %}

{#- A date `months` months after a month (first day), as a date. -#}
{% macro add_months(months, month) -%}
    cast({{ dbt.dateadd('month', months, month) }} as date)
{%- endmacro %}

{#- The rate that converts an amount in `currency` to the reporting currency, given the joined
    daily rate: 1 for the reporting currency itself (it needs no fx row), else the rate, which
    is null when finance has no rate for that day (tests report it; never a silent 1:1). -#}
{% macro reporting_rate(currency, rate_to_reporting) -%}
    case
        when {{ currency }} = {{ reporting_currency_literal() }} then 1.0
        else {{ rate_to_reporting }}
    end
{%- endmacro %}
