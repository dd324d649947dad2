{#- Every var that reaches SQL is validated here: a malformed value is a compile error, never
    text pasted into a statement. Defaults are set once, in dbt_project.yml's `vars:`; no call
    passes one. -#}

{#- The as-of date as a SQL date literal, or none when the var is empty (then the models use the
    latest invoice date). -#}
{% macro as_of_date_literal() -%}
    {%- set value = var('as_of_date') -%}
    {%- if value is none or (value | string | trim) == '' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set text = value | string | trim -%}
    {%- if not modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}', text) -%}
        {{ exceptions.raise_compiler_error("var as_of_date must be a date YYYY-MM-DD, got: " ~ text) }}
    {%- endif -%}
    {%- set parsed = modules.datetime.datetime.strptime(text, '%Y-%m-%d') -%}
    {{ return("cast('" ~ parsed.strftime('%Y-%m-%d') ~ "' as date)") }}
{%- endmacro %}

{#- The reporting currency, a validated ISO 4217 code, as a SQL string literal. -#}
{% macro reporting_currency_literal() -%}
    {%- set text = var('reporting_currency') | string | trim | upper -%}
    {%- if not modules.re.fullmatch('[A-Z]{3}', text) -%}
        {{ exceptions.raise_compiler_error("var reporting_currency must be an ISO 4217 code, got: " ~ text) }}
    {%- endif -%}
    {{ return("'" ~ text ~ "'") }}
{%- endmacro %}

{#- A list var of plain lower-case words (statuses), as a SQL list of string literals. -#}
{% macro word_list_literal(var_name) -%}
    {%- set values = var(var_name) -%}
    {%- if values is string -%}{%- set values = [values] -%}{%- endif -%}
    {%- set words = [] -%}
    {%- for value in values -%}
        {%- set word = value | string | trim | lower -%}
        {%- if not modules.re.fullmatch('[a-z_]+', word) -%}
            {{ exceptions.raise_compiler_error("var " ~ var_name ~ " must list plain words, got: " ~ value) }}
        {%- endif -%}
        {%- do words.append("'" ~ word ~ "'") -%}
    {%- endfor -%}
    {%- if words | length == 0 -%}
        {{ exceptions.raise_compiler_error("var " ~ var_name ~ " must not be empty") }}
    {%- endif -%}
    {{ return('(' ~ words | join(', ') ~ ')') }}
{%- endmacro %}

{#- A boolean var, as a SQL boolean literal. -#}
{% macro boolean_literal(var_name) -%}
    {%- set value = var(var_name) -%}
    {%- if value is sameas true or (value | string | lower) == 'true' -%}
        {{ return('true') }}
    {%- elif value is sameas false or (value | string | lower) == 'false' -%}
        {{ return('false') }}
    {%- endif -%}
    {{ exceptions.raise_compiler_error("var " ~ var_name ~ " must be true or false, got: " ~ value) }}
{%- endmacro %}

{#- A number var within [min_value, max_value], as a SQL literal. -#}
{% macro number_literal(var_name, min_value, max_value) -%}
    {%- set value = var(var_name) -%}
    {%- set text = value | string | trim -%}
    {%- if not modules.re.fullmatch('[0-9]+(\\.[0-9]+)?', text) -%}
        {{ exceptions.raise_compiler_error("var " ~ var_name ~ " must be a number, got: " ~ text) }}
    {%- endif -%}
    {%- if (text | float) < min_value or (text | float) > max_value -%}
        {{ exceptions.raise_compiler_error(
            "var " ~ var_name ~ " must be between " ~ min_value ~ " and " ~ max_value ~ ", got: " ~ text
        ) }}
    {%- endif -%}
    {{ return(text) }}
{%- endmacro %}

{#- A whole-number var within [min_value, max_value], as a SQL literal: number_literal's checks,
    and no fraction. -#}
{% macro integer_literal(var_name, min_value, max_value) -%}
    {%- set text = var(var_name) | string | trim -%}
    {%- if not modules.re.fullmatch('[0-9]+', text) -%}
        {{ exceptions.raise_compiler_error("var " ~ var_name ~ " must be a whole number, got: " ~ text) }}
    {%- endif -%}
    {{ return(number_literal(var_name, min_value, max_value)) }}
{%- endmacro %}

{#- The billing raw shape (var billing_source): `contract` or `fivetran_stripe`. -#}
{% macro billing_source() -%}
    {%- set value = var('billing_source') | string | trim -%}
    {%- set allowed = ['contract', 'fivetran_stripe'] -%}
    {%- if value not in allowed -%}
        {{ exceptions.raise_compiler_error(
            "var billing_source must be one of " ~ allowed | join(", ") ~ ", got: " ~ value) }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{#- Where a Stripe line's discount comes from (var stripe_line_discounts_from): `discount` or
    `invoice_totals`. -#}
{% macro stripe_line_discounts_from() -%}
    {%- set value = var('stripe_line_discounts_from') | string | trim -%}
    {%- set allowed = ['discount', 'invoice_totals'] -%}
    {%- if value not in allowed -%}
        {{ exceptions.raise_compiler_error(
            "var stripe_line_discounts_from must be one of " ~ allowed | join(", ")
            ~ ", got: " ~ value) }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{#- The CRM raw shape (var crm_source): `contract`, `fivetran_hubspot` or `fivetran_salesforce`. -#}
{% macro crm_source() -%}
    {%- set value = var('crm_source') | string | trim -%}
    {%- set allowed = ['contract', 'fivetran_hubspot', 'fivetran_salesforce'] -%}
    {%- if value not in allowed -%}
        {{ exceptions.raise_compiler_error(
            "var crm_source must be one of " ~ allowed | join(", ") ~ ", got: " ~ value) }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{#- A var naming a column of a raw table (lower case, letters, digits and `_`), or none when
    empty. -#}
{% macro column_name_var(var_name) -%}
    {%- set value = var(var_name) -%}
    {%- if value is none or (value | string | trim) == '' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set text = value | string | trim | lower -%}
    {%- if not modules.re.fullmatch('[a-z_][a-z0-9_]{0,127}', text) -%}
        {{ exceptions.raise_compiler_error(
            "var " ~ var_name ~ " must name a column (letters, digits, _), got: " ~ value) }}
    {%- endif -%}
    {{ return(text) }}
{%- endmacro %}

{#- The Lead/Contact columns that date funnel stages in a Salesforce org that keeps them in
    custom fields (var salesforce_stage_date_columns, e.g. {mql: became_mql_date_c}): a mapping
    from funnel stage (lead, mql, sql, opportunity, customer) to a column name; {} when none. -#}
{% macro salesforce_stage_date_columns() -%}
    {%- set value = var('salesforce_stage_date_columns') -%}
    {%- if value is none or value == '' -%}
        {{ return({}) }}
    {%- endif -%}
    {%- if value is not mapping -%}
        {{ exceptions.raise_compiler_error(
            "var salesforce_stage_date_columns must map funnel stages to columns, got: " ~ value) }}
    {%- endif -%}
    {%- set stages = ['lead', 'mql', 'sql', 'opportunity', 'customer'] -%}
    {%- set columns = {} -%}
    {%- for stage, column in value.items() -%}
        {%- if stage not in stages -%}
            {{ exceptions.raise_compiler_error(
                "var salesforce_stage_date_columns: the funnel stages are " ~ stages | join(", ")
                ~ ", got: " ~ stage) }}
        {%- endif -%}
        {%- set text = column | string | trim | lower -%}
        {%- if not modules.re.fullmatch('[a-z_][a-z0-9_]{0,127}', text) -%}
            {{ exceptions.raise_compiler_error(
                "var salesforce_stage_date_columns: " ~ stage
                ~ " must name a column (letters, digits, _), got: " ~ column) }}
        {%- endif -%}
        {%- do columns.update({stage: text}) -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}

{#- The currency of a Salesforce org without multi-currency (no `currency_iso_code` column), a
    validated ISO 4217 code, as a SQL string literal (var salesforce_default_currency). -#}
{% macro salesforce_default_currency_literal() -%}
    {%- set text = var('salesforce_default_currency') | string | trim | upper -%}
    {%- if not modules.re.fullmatch('[A-Z]{3}', text) -%}
        {{ exceptions.raise_compiler_error(
            "var salesforce_default_currency must be an ISO 4217 code, got: " ~ text) }}
    {%- endif -%}
    {{ return("'" ~ text ~ "'") }}
{%- endmacro %}
