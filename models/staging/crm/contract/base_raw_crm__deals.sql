-- Source adapter: the contract's raw `deals`, selected, renamed and parsed
-- into canonical columns, and nothing else. The staging skeleton (base_crm__deals)
-- versions, checks and fates each row.
with

source as (
    select
        *,
        {{ raw_row_number() }} as raw_row_number
    from {{ raw_table('raw_crm', 'deals') }}
),

typed as (
    select
        {{ clean_text('deal_id') }} as deal_id,
        {{ clean_text('company_id') }} as company_id,
        {{ clean_text('owner_id') }} as owner_id,
        {{ clean_text('deal_name') }} as deal_name,
        lower({{ clean_text('pipeline') }}) as pipeline,
        lower({{ clean_text('deal_stage') }}) as deal_stage,
        {{ parse_decimal('amount') }} as amount,
        {{ parse_currency('currency') }} as currency,
        {{ parse_timestamp('created_at') }} as created_at,
        {{ parse_timestamp('closed_at') }} as closed_at,
        coalesce({{ parse_boolean('is_deleted') }}, false) as is_deleted,
        {{ parse_timestamp('updated_at') }} as updated_at,
        {{ adapter_tracking_columns(
            unparseable=first_unparseable_column({
                'amount': 'decimal',
                'created_at': 'timestamp',
                'closed_at': 'timestamp',
                'is_deleted': 'boolean',
                'updated_at': 'timestamp',
            }),
        ) }}
    from source
)

select * from typed
