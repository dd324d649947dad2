-- Source adapter: the contract's raw `fx_rates`, selected, renamed and parsed
-- into canonical columns, and nothing else. The staging skeleton (base_finance__fx_rates)
-- versions, checks and fates each row.
with

source as (
    select
        *,
        {{ raw_row_number() }} as raw_row_number
    from {{ raw_table('raw_finance', 'fx_rates') }}
),

typed as (
    select
        {{ parse_date('rate_date') }} as rate_date,
        {{ parse_currency('currency') }} as currency,
        {{ parse_decimal('rate_to_usd') }} as rate_to_usd,
        {{ adapter_tracking_columns(
            unparseable=first_unparseable_column({
                'rate_date': 'date',
                'rate_to_usd': 'decimal',
            }),
        ) }}
    from source
)

select * from typed
