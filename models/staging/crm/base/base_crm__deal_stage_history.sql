-- One row per raw deal_stage_history row, typed, with its fate: staged, duplicate or quarantined.
-- The table has no key of its own: (deal_id, deal_stage, entered_at) identifies a row.
with

source as (
    select
        *,
        {{ raw_row_number() }} as raw_row_number
    from {{ raw_table('raw_crm', 'deal_stage_history') }}
),

deal_stages as (
    select * from {{ ref('deal_stages') }}
),

staged_deals as (
    select deal_id from {{ ref('stg_crm__deals') }}
),

typed as (
    select
        raw_row_number,
        {{ rejected_line_columns() }},
        {{ clean_text('deal_id') }} as deal_id,
        lower({{ clean_text('deal_stage') }}) as deal_stage,
        {{ parse_timestamp('entered_at') }} as entered_at,
        {{ first_unparseable_column({'entered_at': 'timestamp'}) }} as unparseable_column
    from source
),

versioned as (
    select
        *,
        row_number() over (
            partition by deal_id, deal_stage, entered_at
            order by raw_row_number desc
        ) as version_rank
    from typed
),

checked as (
    select
        versioned.*,
        (
            versioned.deal_id is null
            or versioned.deal_stage is null
            or versioned.entered_at is null
        ) as has_null_key,
        case
            when versioned.unparseable_column is not null
                then {{ dbt.concat(["'unparseable '", "versioned.unparseable_column"]) }}
            when versioned.deal_id is null
                or versioned.deal_stage is null
                or versioned.entered_at is null
                then 'null key'
            when deal_stages.deal_stage is null then 'unknown deal_stage'
            when staged_deals.deal_id is null then 'orphan deal_id'
        end as quarantine_reason
    from versioned
    left join deal_stages
        on versioned.deal_stage = deal_stages.deal_stage
    left join staged_deals
        on versioned.deal_id = staged_deals.deal_id
),

final as (
    select
        *,
        -- The entry's key, hashed once here: computed in the stg_ view, every test of it hashed
        -- all rows again (43 s of tests at 1M customers).
        {{ dbt.hash(dbt.concat([
            "deal_id", "'|'", "deal_stage", "'|'", dbt.safe_cast("entered_at", dbt.type_string())
        ])) }} as deal_stage_entry_id,
        case
            when not has_null_key and version_rank > 1 then 'duplicate'
            when quarantine_reason is not null then 'quarantined'
            else 'staged'
        end as row_status
    from checked
)

select * from final
