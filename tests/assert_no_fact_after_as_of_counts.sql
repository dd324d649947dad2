-- Every mart speaks as of the as-of instant: no fact the marts are built from is dated at or
-- after the as-of cutoff (macros/as_of.sql), whichever source runs past it.
with

reporting_period as (
    select * from {{ ref('int_reporting_period') }}
),

dated_facts as (
    select
        'int_contact_funnel_stages' as model_name,
        contact_id as record_id,
        created_at as fact_at
    from {{ ref('int_contact_funnel_stages') }}
    {%- for stage in funnel_stage_names() %}
        union all
        select
            'int_contact_funnel_stages' as model_name,
            contact_id as record_id,
            {{ stage }}_at as fact_at
        from {{ ref('int_contact_funnel_stages') }}
    {%- endfor %}
    union all
    select
        'int_deals_enriched' as model_name,
        deal_id as record_id,
        created_at as fact_at
    from {{ ref('int_deals_enriched') }}
    union all
    select
        'int_deals_enriched' as model_name,
        deal_id as record_id,
        closed_at as fact_at
    from {{ ref('int_deals_enriched') }}
    union all
    select
        'dim_customers' as model_name,
        customer_id as record_id,
        created_at as fact_at
    from {{ ref('dim_customers') }}
)

select
    dated_facts.model_name,
    dated_facts.record_id,
    dated_facts.fact_at
from dated_facts
cross join reporting_period
where dated_facts.fact_at >= reporting_period.cutoff_at
