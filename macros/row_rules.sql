{#- The named rules of the row_rules_hold test (tests/generic/row_rules_hold.sql): the not-null
    and accepted-values rules, then `rules`, each checked for a lower-case name. -#}
{% macro row_rules(rules, not_null, accepted_values) -%}
    {%- if rules is not mapping or accepted_values is not mapping or not_null is none
        or not_null is string or not_null is mapping -%}
        {{ exceptions.raise_compiler_error(
            "row_rules_hold: `rules` and `accepted_values` are mappings and `not_null` a list, got: "
            ~ [rules, accepted_values, not_null]
        ) }}
    {%- endif -%}
    {%- set named = {} -%}
    {%- for column in not_null -%}
        {%- do named.update({column ~ '_is_not_null': column ~ ' is not null'}) -%}
    {%- endfor -%}
    {%- for column, values in accepted_values.items() -%}
        {%- if values is none or values is string or values is mapping or values | length == 0 -%}
            {{ exceptions.raise_compiler_error(
                "row_rules_hold: accepted_values of " ~ column ~ " must be a list of values, got: "
                ~ values
            ) }}
        {%- endif -%}
        {%- set literals = [] -%}
        {%- for value in values -%}
            {%- do literals.append(
                value if value is number else "'" ~ (value | string | replace("'", "''")) ~ "'"
            ) -%}
        {%- endfor -%}
        {%- do named.update({column ~ '_is_accepted':
            column ~ ' is null or ' ~ column ~ ' in (' ~ literals | join(', ') ~ ')'}) -%}
    {%- endfor -%}
    {%- for name, expression in rules.items() -%}
        {%- if name in named -%}
            {{ exceptions.raise_compiler_error("row_rules_hold: rule " ~ name ~ " given twice") }}
        {%- endif -%}
        {%- do named.update({name: expression}) -%}
    {%- endfor -%}
    {%- if named | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            "row_rules_hold needs `not_null`, `accepted_values` or `rules` (a mapping of rule name"
            ~ " to SQL boolean)"
        ) }}
    {%- endif -%}
    {%- for name in named -%}
        {%- if not modules.re.match('^[a-z][a-z0-9_]*$', name) -%}
            {{ exceptions.raise_compiler_error(
                "row_rules_hold: rule names are lower-case identifiers, got: " ~ name
            ) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(named) }}
{%- endmacro %}
