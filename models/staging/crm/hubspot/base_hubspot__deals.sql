-- Source adapter: HubSpot's `deal` as Fivetran lands it, in canonical columns: the pipeline is
-- its label, normalised; the stage is named by hubspot_deal_stages (won and lost from a closed
-- stage's probability); the company is the deal's primary company association (`deal_company`,
-- else its first). While a deal is open HubSpot's close date is the expected one: a deal closes
-- only in a closed stage.
with

source as (
    select * from {{ fivetran_rows('hubspot', 'deal') }}
),

pipelines as (
    select * from {{ hubspot_pipelines() }}
),

stages as (
    select * from {{ hubspot_deal_stages() }}
),

companies as (
    select
        deal_id,
        company_id
    from (
        select
            {{ clean_text('deal_id') }} as deal_id,
            {{ clean_text('company_id') }} as company_id,
            row_number() over (
                partition by {{ clean_text('deal_id') }}
                order by
                    case when {{ clean_text('type_id') }} = '5' then 0 else 1 end,
                    {{ clean_text('company_id') }}
            ) as association_rank
        from {{ fivetran_latest('hubspot', 'deal_company', key="deal_id || '|' || company_id") }}
    ) as associations
    where association_rank = 1
),

typed as (
    select
        {{ clean_text('source.deal_id') }} as deal_id,
        companies.company_id,
        {{ clean_text('source.owner_id') }} as owner_id,
        {{ clean_text('source.property_dealname') }} as deal_name,
        pipelines.pipeline,
        stages.deal_stage,
        {{ parse_decimal('source.property_amount') }} as amount,
        {{ parse_currency('source.property_deal_currency_code') }} as currency,
        {{ parse_timestamp('source.property_createdate') }} as created_at,
        case
            when stages.is_closed then {{ parse_timestamp('source.property_closedate') }}
        end as closed_at,
        {{ fivetran_is_deleted(['source.is_deleted', 'source._fivetran_deleted']) }} as is_deleted,
        {{ parse_timestamp('source.property_hs_lastmodifieddate') }} as updated_at,
        {{ adapter_tracking_columns(
            raw_row_number='source.raw_row_number',
            unparseable=first_unparseable_column({
                'source.property_amount': 'decimal',
                'source.property_createdate': 'timestamp',
                'source.property_closedate': 'timestamp',
                'source.is_deleted': 'boolean',
                'source.property_hs_lastmodifieddate': 'timestamp',
                'source._fivetran_synced': 'timestamp',
            }),
        ) }}
    from source
    left join pipelines
        on {{ clean_text('source.deal_pipeline_id') }} = pipelines.pipeline_id
    left join stages
        on {{ clean_text('source.deal_pipeline_stage_id') }} = stages.stage_id
    left join companies
        on {{ clean_text('source.deal_id') }} = companies.deal_id
)

select * from typed
