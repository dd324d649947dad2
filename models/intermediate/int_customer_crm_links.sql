-- The CRM company of each billing customer, and the rule that linked it. The billing system's
-- own link wins (the contract's crm_company_id, Stripe's customer metadata); without one, the
-- customer's e-mail domain links it to the one live CRM company with that web domain (var
-- crm_link_email_domain_fallback). Two live companies on one domain link nobody: a guess between
-- them would put revenue on the wrong account. Companies count as known at the as-of instant.
with

customers as (
    select * from {{ ref('stg_billing__customers') }}
),

companies as (
    select * from {{ ref('stg_crm__companies') }}
),

unique_domains as (
    select
        website_domain,
        min(company_id) as company_id
    from companies
    where
        website_domain is not null
        and not is_deleted
        -- A company created after the as-of instant is not known yet (macros/as_of.sql).
        and {{ is_known_at_as_of('created_at') }}
    group by website_domain
    having count(*) = 1
),

final as (
    select
        customers.customer_id,
        coalesce(customers.crm_company_id, unique_domains.company_id) as crm_company_id,
        case
            when customers.crm_company_id is not null then 'billing_system'
            when unique_domains.company_id is not null then 'email_domain'
        end as crm_link_rule
    from customers
    left join unique_domains
        on
            customers.email_domain = unique_domains.website_domain
            and {{ boolean_literal('crm_link_email_domain_fallback') }}
)

select * from final
