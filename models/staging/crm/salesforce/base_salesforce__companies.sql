-- Source adapter: Salesforce's `account` as Fivetran lands it, in canonical columns. The web
-- domain is the account's website without scheme, `www.` or path; the country its billing
-- country code (state and country picklists), else its billing country. A deleted account stays,
-- flagged, as in the contract.
{%- set website = "lower(" ~ clean_text('website') ~ ")" %}
{%- set without_scheme = "replace(replace(" ~ website ~ ", 'https://', ''), 'http://', '')" %}
with

source as (
    select * from {{ salesforce_rows('account') }}
),

typed as (
    select
        {{ clean_text('id') }} as company_id,
        {{ clean_text('name') }} as company_name,
        case
            when {{ without_scheme }} like 'www.%'
                then {{ dbt.split_part('substring(' ~ without_scheme ~ ', 5)', "'/'", 1) }}
            else {{ dbt.split_part(without_scheme, "'/'", 1) }}
        end as website_domain,
        lower({{ clean_text('industry') }}) as industry,
        upper(coalesce(
            {{ clean_text('billing_country_code') }}, {{ clean_text('billing_country') }}
        )) as country_code,
        {{ parse_integer('number_of_employees') }} as employee_count,
        {{ clean_text('owner_id') }} as owner_id,
        {{ parse_timestamp('created_date') }} as created_at,
        {{ parse_timestamp('last_modified_date') }} as updated_at,
        {{ salesforce_is_deleted('source') }} as is_deleted,
        {{ adapter_tracking_columns(
            unparseable=first_unparseable_column({
                'number_of_employees': 'integer',
                'created_date': 'timestamp',
                'last_modified_date': 'timestamp',
                'is_deleted': 'boolean',
                '_fivetran_deleted': 'boolean',
                '_fivetran_synced': 'timestamp',
            }),
        ) }}
    from source
)

select * from typed
