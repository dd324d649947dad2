{#-
    What every Fivetran-landed table shares, for the source adapters of Fivetran shapes
    (models/staging/<domain>/<connector>/).
-#}

{#- A Fivetran table's rows with `raw_row_number`, their load order: by `_fivetran_synced`, then
    by `order_first` (e.g. history mode's `_fivetran_active`), then by position in the file, so
    that the skeleton's "the last load of a key wins" means the latest sync wins. -#}
{% macro fivetran_rows(source_name, table_name, order_first=[]) -%}
    (
        select
            positioned.*,
            row_number() over (
                order by
                    {%- for expression in order_first %} {{ expression }},{% endfor %}
                    {{ safe_parse(timestamp_text('_fivetran_synced'), 'timestamp') }},
                    file_position
            ) as raw_row_number
        from (
            select
                *,
                {{ raw_row_number() }} as file_position
            from {{ raw_table(source_name, table_name) }}
        ) as positioned
    ) as {{ table_name }}_rows
{%- endmacro %}

{#- The latest sync of each key of a Fivetran table that another table only looks up (a
    product's name, a refund's charge), rows deleted in the source left out. `order_first`: as
    for fivetran_rows, expressions ranking the rows before the sync time (latest first). -#}
{% macro fivetran_latest(source_name, table_name, key='id', order_first=[]) -%}
    (
        select *
        from (
            select
                *,
                row_number() over (
                    partition by {{ clean_text(key) }}
                    order by
                        {%- for expression in order_first %} {{ expression }} desc,{% endfor %}
                        {{ safe_parse(timestamp_text('_fivetran_synced'), 'timestamp') }} desc
                ) as sync_rank
            from {{ raw_table(source_name, table_name) }}
        ) as ranked
        where sync_rank = 1
            and coalesce({{ parse_boolean('_fivetran_deleted') }}, false) = false
    ) as latest_{{ table_name }}
{%- endmacro %}

{#- True when Fivetran or the source system deleted the row (`_fivetran_deleted`, and the
    source's own `is_deleted` where given). -#}
{% macro fivetran_is_deleted(columns=['_fivetran_deleted']) -%}
    (
        {%- for column in columns %}
        coalesce({{ parse_boolean(column) }}, false){{ " or" if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}

{#- The text value of `key` in a JSON object held as text (Stripe metadata); null when the text
    is not valid JSON or has no such key. `key` is validated: it reaches SQL. -#}
{% macro json_text_value(text_expression, key) -%}
    {%- if not modules.re.fullmatch('[A-Za-z0-9_.-]{1,100}', key | string) -%}
        {{ exceptions.raise_compiler_error(
            "a JSON key must be letters, digits, _ . or -, got: " ~ key) }}
    {%- endif -%}
    {{ return(adapter.dispatch('json_text_value', 'revops_warehouse')(text_expression, key)) }}
{%- endmacro %}

{% macro default__json_text_value(text_expression, key) -%}
    json_extract_scalar({{ text_expression }}, '$["{{ key }}"]')
{%- endmacro %}

{% macro duckdb__json_text_value(text_expression, key) -%}
    case
        when json_valid({{ text_expression }})
            then json_extract_string({{ text_expression }}, '$."{{ key }}"')
    end
{%- endmacro %}

{% macro postgres__json_text_value(text_expression, key) -%}
    {{ adapter.quote(target.schema) }}.revops_try_json({{ text_expression }}) ->> '{{ key }}'
{%- endmacro %}

{% macro snowflake__json_text_value(text_expression, key) -%}
    try_parse_json({{ text_expression }}):"{{ key }}"::string
{%- endmacro %}

{% macro bigquery__json_text_value(text_expression, key) -%}
    json_value({{ text_expression }}, '$."{{ key }}"')
{%- endmacro %}

{% macro spark__json_text_value(text_expression, key) -%}
    get_json_object({{ text_expression }}, '$.{{ key }}')
{%- endmacro %}

{% macro trino__json_text_value(text_expression, key) -%}
    json_extract_scalar(try(json_parse({{ text_expression }})), '$["{{ key }}"]')
{%- endmacro %}

{#- Each Stripe line's discount in minor units (line_id, discount_amount_minor), by var
    stripe_line_discounts_from:
    - `discount`: the sum of the line's staged rows of Fivetran's `discount` table
      (base_stripe__line_discounts);
    - `invoice_totals`, for an older connector without that table: the invoice's discount
      (subtotal + tax - total) spread over its discountable lines in proportion to their amounts,
      in whole minor units, the rounding left on the largest line, so the lines sum to the
      invoice. -#}
{% macro stripe_line_discounts() -%}
    {%- if stripe_line_discounts_from() == 'discount' -%}
    select
        applies_to_id as line_id,
        sum(amount_minor) as discount_amount_minor
    from {{ ref('base_stripe__line_discounts') }}
    where row_status = 'staged' and is_line_discount
    group by applies_to_id
    {%- else -%}
    with

    invoice_discounts as (
        select
            {{ clean_text('id') }} as invoice_id,
            (
                {{ parse_integer('subtotal') }} + coalesce({{ parse_integer('tax') }}, 0)
                - {{ parse_integer('total') }}
            ) as discount_minor
        from {{ fivetran_latest('stripe', 'invoice') }}
    ),

    discountable_lines as (
        select
            {{ clean_text('id') }} as line_id,
            {{ clean_text('invoice_id') }} as invoice_id,
            {{ parse_integer('amount') }} as amount_minor
        from {{ fivetran_latest('stripe', 'invoice_line_item') }}
        where
            coalesce(
                {{ parse_boolean('discountable') }},
                not coalesce({{ parse_boolean('proration') }}, false)
            )
            and {{ parse_integer('amount') }} > 0
    ),

    line_shares as (
        select
            discountable_lines.line_id,
            discountable_lines.invoice_id,
            invoice_discounts.discount_minor,
            cast(floor(
                cast(invoice_discounts.discount_minor as {{ type_double() }})
                * discountable_lines.amount_minor
                / sum(discountable_lines.amount_minor) over (
                    partition by discountable_lines.invoice_id
                )
            ) as {{ dbt.type_bigint() }}) as floored_minor,
            row_number() over (
                partition by discountable_lines.invoice_id
                order by discountable_lines.amount_minor desc, discountable_lines.line_id desc
            ) as size_rank
        from discountable_lines
        inner join invoice_discounts
            on discountable_lines.invoice_id = invoice_discounts.invoice_id
        where invoice_discounts.discount_minor > 0
    )

    select
        line_id,
        floored_minor
        + case
            when size_rank = 1
                then discount_minor - sum(floored_minor) over (partition by invoice_id)
            else 0
        end as discount_amount_minor
    from line_shares
    {%- endif -%}
{%- endmacro %}
