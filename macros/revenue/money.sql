{#- Money as the marts expose it: rounded to the cent, a plain decimal type BI drivers read. -#}
{% macro money(expression) -%}
    cast(round(cast({{ expression }} as {{ dbt.type_numeric() }}), 2) as decimal(18, 2))
{%- endmacro %}

{#- A ratio, null (never 0 or infinity) when the denominator is zero or null. -#}
{% macro safe_ratio(numerator, denominator) -%}
    cast({{ numerator }} as {{ type_double() }})
        / nullif(cast({{ denominator }} as {{ type_double() }}), 0)
{%- endmacro %}

{#- A figure defined from other ratios (LTV:CAC = LTV / CAC, each a ratio itself) written as one
    division so that round inputs give exact results. One division alone would give 0 where a
    part is undefined (0 new customers in the numerator, CAC = spend / 0 in the denominator), so
    the figure is null when any of `divisors` - every denominator of every part, from the
    definition - is zero or null; else the single division, itself null at a zero
    denominator. -#}
{% macro safe_ratio_of_parts(numerator, denominator, divisors) -%}
    case
        when
            {% for divisor in divisors -%}
                coalesce({{ divisor }}, 0) = 0{% if not loop.last %} or {% endif %}
            {%- endfor %}
            then null
        else {{ safe_ratio(numerator, denominator) }}
    end
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
