-- Source adapter: the contract's raw `deal_stage_history`, selected, renamed and parsed
-- into canonical columns, and nothing else. The staging skeleton (base_crm__deal_stage_history)
-- versions, checks and fates each row.
with

source as (
    select
        *,
        {{ raw_row_number() }} as raw_row_number
    from {{ raw_table('raw_crm', 'deal_stage_history') }}
),

typed as (
    select
        {{ clean_text('deal_id') }} as deal_id,
        lower({{ clean_text('deal_stage') }}) as deal_stage,
        {{ parse_timestamp('entered_at') }} as entered_at,
        {{ adapter_tracking_columns(
            unparseable=first_unparseable_column({'entered_at': 'timestamp'}),
        ) }}
    from source
)

select * from typed
