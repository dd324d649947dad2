{#- The as-of cut. Every mart speaks as of the as-of instant, the end of the as-of date (what
    happened on that date counts): a fact dated at or after `cutoff_at` of int_reporting_period
    (a contact created, a stage reached or entered, a deal opened or closed, an expense booked,
    an invoice or refund created) counts in no KPI. Sources that end on different days are normal
    (a CRM syncs hourly, billing nightly), so each consumer of a dated fact applies this cut, and
    the marts agree with one another and with the raw data cut at the as-of date. -#}

{#- The as-of date as SQL: the validated var `as_of_date`, else the date of the latest invoice
    created in the billing data (billing is the spine of the revenue KPIs; a slower source must
    not drag them back). A model that has already computed the latest invoice date passes that
    expression instead of querying the invoices again. -#}
{% macro as_of_date_sql(latest_invoice_date=none) -%}
    {{ return(as_of_date_literal() or latest_invoice_date or
        '(select max(cast(created_at as date)) from ' ~ ref('stg_billing__invoices') ~ ')') }}
{%- endmacro %}

{#- The as-of cutoff: the first instant after the as-of date, as a scalar subquery. -#}
{% macro as_of_cutoff_at() -%}
    (select cutoff_at from {{ ref('int_reporting_period') }})
{%- endmacro %}

{#- A predicate: the fact is known at the as-of instant, i.e. not dated at or after the cutoff.
    An undated fact is not cut (its row is judged by staging). -#}
{% macro is_known_at_as_of(timestamp_column) -%}
    coalesce({{ timestamp_column }} < {{ as_of_cutoff_at() }}, true)
{%- endmacro %}

{#- The same for a date: not after the as-of date. -#}
{% macro is_date_known_at_as_of(date_column) -%}
    coalesce({{ date_column }} <= (select as_of_date from {{ ref('int_reporting_period') }}), true)
{%- endmacro %}

{#- The timestamp as the warehouse knew it at the as-of instant: null when it lies after
    (a stage reached later had not been reached yet). -#}
{% macro known_at_as_of(timestamp_column) -%}
    case when {{ is_known_at_as_of(timestamp_column) }} then {{ timestamp_column }} end
{%- endmacro %}
