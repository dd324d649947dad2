-- Source adapter: the contract's raw `expenses`, selected, renamed and parsed
-- into canonical columns, and nothing else. The staging skeleton (base_finance__expenses)
-- versions, checks and fates each row.
with

source as (
    select
        *,
        {{ raw_row_number() }} as raw_row_number
    from {{ raw_table('raw_finance', 'expenses') }}
),

typed as (
    select
        {{ clean_text('expense_id') }} as expense_id,
        {{ parse_date('incurred_on') }} as incurred_date,
        lower({{ clean_text('department') }}) as department,
        lower({{ clean_text('category') }}) as category,
        {{ normalize_channel_name('channel') }} as channel_normalized,
        {{ parse_decimal('amount') }} as amount,
        {{ parse_currency('currency') }} as currency,
        {{ adapter_tracking_columns(
            unparseable=first_unparseable_column({
                'incurred_on': 'date',
                'amount': 'decimal',
            }),
        ) }}
    from source
)

select * from typed
