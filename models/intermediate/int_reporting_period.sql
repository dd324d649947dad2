-- The as-of date: the var when set, else the date of the latest invoice created in the billing
-- data (so the demo data gives the same numbers on any day). The as-of cutoff: the first instant
-- after it; facts dated at or after it count in no KPI (macros/as_of.sql). Also the month from
-- which an incremental run recomputes (macros/incremental.sql): the lookback before the earlier
-- of this build's and the previous build's as-of date, so a late row dated inside the lookback,
-- a skipped day or an as-of date moved back all land.
{%- set previous_build = load_relation(this) if execute and flags.INTROSPECT else none %}

with

invoices as (
    select * from {{ ref('stg_billing__invoices') }}
),

latest_invoice as (
    select max(cast(created_at as date)) as latest_invoice_date
    from invoices
),

previous_build as (
    {%- if previous_build is not none %}
        select max(as_of_date) as previous_as_of_date
        from {{ previous_build }}
    {%- else %}
        select cast(null as date) as previous_as_of_date
    {%- endif %}
),

as_of as (
    select
        {{ as_of_date_sql('latest_invoice.latest_invoice_date') }} as as_of_date,
        latest_invoice.latest_invoice_date,
        previous_build.previous_as_of_date
    from latest_invoice
    cross join previous_build
),

final as (
    select
        as_of_date,
        cast(
            {{ dbt.dateadd('day', 1, 'as_of_date') }}
            as {{ api.Column.translate_type('timestamp') }}
        ) as cutoff_at,
        {{ month_of('as_of_date') }} as as_of_month,
        {{ add_months(1, month_of('as_of_date')) }} as month_after_as_of_month,
        latest_invoice_date,
        previous_as_of_date,
        {{ add_months(
            '-' ~ integer_literal('incremental_lookback_months', 0, 120),
            month_of(
                'case when previous_as_of_date < as_of_date '
                ~ 'then previous_as_of_date else as_of_date end'
            )
        ) }} as recompute_from_month
    from as_of
)

select * from final
