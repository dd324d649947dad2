{#-
    What the Salesforce source adapters (models/staging/crm/salesforce/) share. Fivetran lands
    each Salesforce object as a table of its API name in snake case (custom fields end `_c`);
    a table in history mode keeps every version, `_fivetran_active` on the current one.
-#}

{#- 1 for a table's current version (or a table not in history mode), 0 for a version history
    mode has closed: sorts the current version last in load order, so it wins. -#}
{% macro salesforce_current_version(alias=none) -%}
    {%- set prefix = alias ~ '.' if alias else '' -%}
    case when coalesce({{ parse_boolean(prefix ~ '_fivetran_active') }}, true) then 1 else 0 end
{%- endmacro %}

{#- A Salesforce object's rows, in load order (fivetran_rows), current versions last. -#}
{% macro salesforce_rows(table_name) -%}
    {{ fivetran_rows('salesforce', table_name, order_first=[salesforce_current_version()]) }}
{%- endmacro %}

{#- True when the row's object is deleted: Salesforce's `is_deleted` (the recycle bin, and the
    losing records of a merge), `_fivetran_deleted`, or, in history mode, a version with no
    current one after it (history mode closes the last version of a deleted object). -#}
{% macro salesforce_is_deleted(alias) -%}
    (
        {{ fivetran_is_deleted([alias ~ '.is_deleted', alias ~ '._fivetran_deleted']) }}
        or {{ salesforce_current_version(alias) }} = 0
    )
{%- endmacro %}

{#- A picklist value as the seeds match it: trimmed, lower case. -#}
{% macro salesforce_picklist_key(column) -%}
    lower({{ clean_text(column) }})
{%- endmacro %}

{#- The earlier of two timestamps, either may be null. -#}
{% macro earlier_of(left, right) -%}
    case
        when {{ right }} is null or {{ left }} <= {{ right }} then coalesce({{ left }}, {{ right }})
        else {{ right }}
    end
{%- endmacro %}

{#- The later of two timestamps, either may be null. -#}
{% macro later_of(left, right) -%}
    case
        when {{ right }} is null or {{ left }} >= {{ right }} then coalesce({{ left }}, {{ right }})
        else {{ right }}
    end
{%- endmacro %}

{#- Each row of `opportunity_history` with the stage entry it belongs to. Salesforce writes a
    history row on every change of stage, amount, probability or close date: a row whose stage
    is the one before it restates that stage, so its entry is the earlier row's. Columns:
    opportunity_id, stage_name, deal_stage (seed salesforce_opportunity_stages; null when
    unmapped), changed_at (the row's created_date), entered_at (its entry's), raw_row_number,
    created_date and _fivetran_synced as landed, is_source_deleted. Rows without a parseable created_date come last,
    each its own entry with no instant. -#}
{% macro salesforce_stage_entries(alias='salesforce_stage_entries') -%}
    (
        with

        history as (
            select * from {{ fivetran_rows('salesforce', 'opportunity_history') }}
        ),

        stages as (
            select
                {{ salesforce_picklist_key('stage_name') }} as stage_key,
                deal_stage
            from {{ ref('salesforce_opportunity_stages') }}
        ),

        changes as (
            select
                {{ clean_text('history.opportunity_id') }} as opportunity_id,
                {{ clean_text('history.stage_name') }} as stage_name,
                {{ salesforce_picklist_key('history.stage_name') }} as stage_key,
                stages.deal_stage,
                {{ parse_timestamp('history.created_date') }} as changed_at,
                history.created_date,
                history._fivetran_synced,
                history.raw_row_number,
                {{ fivetran_is_deleted(['history.is_deleted', 'history._fivetran_deleted']) }}
                    as is_source_deleted
            from history
            left join stages
                on {{ salesforce_picklist_key('history.stage_name') }} = stages.stage_key
        ),

        ordered as (
            select
                changes.*,
                case
                    when changed_at is null then 1
                    when
                        coalesce(
                            lag(stage_key) over (
                                partition by opportunity_id, changed_at is null
                                order by changed_at, raw_row_number
                            ),
                            ''
                        ) = coalesce(stage_key, '')
                        and row_number() over (
                            partition by opportunity_id, changed_at is null
                            order by changed_at, raw_row_number
                        ) > 1
                        then 0
                    else 1
                end as is_entry
            from changes
        ),

        numbered as (
            select
                ordered.*,
                sum(is_entry) over (
                    partition by opportunity_id
                    order by changed_at nulls last, raw_row_number
                    rows between unbounded preceding and current row
                ) as entry_number
            from ordered
        )

        select
            numbered.*,
            min(changed_at) over (partition by opportunity_id, entry_number) as entered_at
        from numbered
    ) as {{ alias }}
{%- endmacro %}
