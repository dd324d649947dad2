{#- HubSpot's deal pipelines and stages are ids with labels (`deal_pipeline`,
    `deal_pipeline_stage`). Read once here for the deal and stage-history adapters. -#}

{#- A label as the project names things: lower case, spaces and hyphens as `_` (pipelines,
    `New Business` -> new_business) or dropped (stages, `Decision Maker Bought-In` ->
    decisionmakerboughtin, HubSpot's own internal stage names). -#}
{% macro hubspot_label_name(label, separator) -%}
    replace(replace(lower(trim({{ label }})), ' ', '{{ separator }}'), '-', '{{ separator }}')
{%- endmacro %}

{#- One row per live pipeline: pipeline_id, pipeline (its label, normalised). -#}
{% macro hubspot_pipelines() -%}
    (
        select
            {{ clean_text('pipeline_id') }} as pipeline_id,
            {{ hubspot_label_name(clean_text('label'), '_') }} as pipeline
        from {{ fivetran_latest('hubspot', 'deal_pipeline', key='pipeline_id') }}
    ) as hubspot_pipelines
{%- endmacro %}

{#- One row per live stage: stage_id and its canonical deal_stage. Won and lost are known only
    from a closed stage's probability (1 won, 0 lost); the deprecated `closed_won` means closed
    and is not read. An open stage is its label, normalised; a closed stage of another
    probability has no canonical stage (its deals are quarantined as `unknown deal_stage`). -#}
{% macro hubspot_deal_stages() -%}
    (
        select
            {{ clean_text('stage_id') }} as stage_id,
            case
                when coalesce({{ parse_boolean('is_closed') }}, false)
                    then case {{ parse_decimal('probability') }}
                        when 1 then 'closedwon'
                        when 0 then 'closedlost'
                    end
                else {{ hubspot_label_name(clean_text('label'), '') }}
            end as deal_stage,
            coalesce({{ parse_boolean('is_closed') }}, false) as is_closed
        from {{ fivetran_latest('hubspot', 'deal_pipeline_stage', key='stage_id') }}
    ) as hubspot_deal_stages
{%- endmacro %}

{#- HubSpot's lifecycle stages by the funnel stage they date (the contract's became_<stage>_at). -#}
{% macro hubspot_funnel_stages() -%}
    {{ return({
        'lead': 'lead',
        'mql': 'marketingqualifiedlead',
        'sql': 'salesqualifiedlead',
        'opportunity': 'opportunity',
        'customer': 'customer',
    }) }}
{%- endmacro %}

{#- Per funnel stage, the earliest change of `lifecyclestage` into it, from
    contact_property_history rows (columns became_<stage>_at; aggregate, group by contact). -#}
{% macro hubspot_stage_history_columns() -%}
    {%- for stage, hubspot_stage in hubspot_funnel_stages().items() %}
    min(
        case
            when lower({{ clean_text('value') }}) = '{{ hubspot_stage }}'
                then {{ parse_timestamp('timestamp') }}
        end
    ) as became_{{ stage }}_at{{ "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- Per funnel stage, the first given of: the newer portals' hs_v2_date_entered_<stage>, the
    classic hs_lifecyclestage_<stage>_date, and the history's (columns became_<stage>_at). -#}
{% macro hubspot_stage_date_columns(contact, history) -%}
    {%- for stage, hubspot_stage in hubspot_funnel_stages().items() %}
    coalesce(
        {{ parse_timestamp(contact ~ '.property_hs_v2_date_entered_' ~ hubspot_stage) }},
        {{ parse_timestamp(contact ~ '.property_hs_lifecyclestage_' ~ hubspot_stage ~ '_date') }},
        {{ history }}.became_{{ stage }}_at
    ) as became_{{ stage }}_at{{ "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}
