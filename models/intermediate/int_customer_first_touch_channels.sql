-- The first-touch channel of each billing customer: the lead source of the earliest-created
-- contact of its CRM company. Deleted contacts do not count (they are out of every KPI), nor do
-- contacts created after the as-of instant (macros/as_of.sql); `unknown` without a CRM link
-- (int_customer_crm_links), without a contact, or without a source.
with

customers as (
    select * from {{ ref('int_customer_crm_links') }}
),

contacts as (
    select * from {{ ref('stg_crm__contacts') }}
),

ranked_contacts as (
    select
        company_id,
        contact_id,
        channel,
        row_number() over (
            partition by company_id
            order by created_at, contact_id
        ) as creation_rank
    from contacts
    where
        company_id is not null
        and not is_deleted
        and {{ is_known_at_as_of('created_at') }}
),

first_contacts as (
    select
        company_id,
        contact_id,
        channel
    from ranked_contacts
    where creation_rank = 1
),

final as (
    select
        customers.customer_id,
        customers.crm_company_id,
        first_contacts.contact_id as first_contact_id,
        coalesce(first_contacts.channel, 'unknown') as first_touch_channel
    from customers
    left join first_contacts
        on customers.crm_company_id = first_contacts.company_id
)

select * from final
