-- Deleted contacts and deals are in no funnel or sales number.
with

contacts as (
    select * from {{ ref('stg_crm__contacts') }}
),

deals as (
    select * from {{ ref('stg_crm__deals') }}
),

funnel_stages as (
    select * from {{ ref('int_contact_funnel_stages') }}
),

enriched_deals as (
    select * from {{ ref('int_deals_enriched') }}
)

select funnel_stages.contact_id as record_id
from funnel_stages
inner join contacts
    on funnel_stages.contact_id = contacts.contact_id
where contacts.is_deleted
union all
select enriched_deals.deal_id as record_id
from enriched_deals
inner join deals
    on enriched_deals.deal_id = deals.deal_id
where deals.is_deleted
