{#- Incremental runs. The large models (pieces, periods, customer-months, the monthly MRR bridge,
    MRR movements, contact funnel, enriched deals) recompute only what can have changed since the
    last build:
    everything dated on or after `recompute_from_month` of int_reporting_period, i.e.
    `incremental_lookback_months` (var, default 3) before the earlier of this build's and the
    previous build's as-of date.
    A late row dated inside that window (an invoice backdated into an earlier month, a deal or
    contact changed) lands exactly as a full refresh would put it; a change dated before it needs
    `dbt build --full-refresh` (run one on a schedule, e.g. weekly). -#}

{#- The first instant an incremental run recomputes, as a scalar subquery (a timestamp).
    `reporting_period` is int_reporting_period's relation, for a caller that may not ref() it (a
    data test, which depends only on the model it tests). -#}
{% macro incremental_recompute_from(reporting_period=none) -%}
    (
        select cast(recompute_from_month as {{ api.Column.translate_type('timestamp') }})
        from {{ reporting_period or ref('int_reporting_period') }}
    )
{%- endmacro %}

{#- The `recompute` strategy: delete the target's rows that the run recomputes, then insert the
    new batch. Rows deleted: those whose `recompute_column` is on or after the recompute instant,
    plus those whose `unique_key` is in the batch. dbt's delete+insert only deletes keys present
    in the batch, so a row that should vanish (a voided invoice's piece, a deleted contact) would
    stay; this deletes by window as well. `recompute_keys` (optional) names a macro returning a
    SQL predicate for further rows to delete (e.g. contacts changed since the window start). -#}
{% macro get_incremental_recompute_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set batch = arg_dict['temp_relation'] -%}
    {%- set unique_key = arg_dict['unique_key'] -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    {%- set recompute_column = config.get('recompute_column') -%}
    {%- set recompute_keys = config.get('recompute_keys') -%}
    {%- set conditions = [] -%}
    {%- if recompute_column -%}
        {%- do conditions.append(recompute_column ~ ' >= ' ~ incremental_recompute_from()) -%}
    {%- endif -%}
    {%- if unique_key -%}
        {%- do conditions.append(
            unique_key ~ ' in (select ' ~ unique_key ~ ' from ' ~ batch ~ ')'
        ) -%}
    {%- endif -%}
    {%- if recompute_keys -%}
        {%- do conditions.append(context[recompute_keys]()) -%}
    {%- endif -%}
    {%- if conditions | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            model.name ~ ": the recompute strategy needs recompute_column, unique_key or recompute_keys"
        ) }}
    {%- endif -%}
    delete from {{ target }}
    where
        {{ conditions | join('\n        or ') }};

    insert into {{ target }} ({{ columns }})
    select {{ columns }}
    from {{ batch }}
{%- endmacro %}

{#- A contact whose funnel row an incremental run recomputes: created, changed or dated since the
    recompute instant (a predicate on stg_crm__contacts' columns). A stage reached after the
    previous build's as-of date was cut from its row then (macros/as_of.sql) and lands now, even
    from a CRM that leaves `updated_at` as it was. -#}
{% macro contact_changed_since_recompute() -%}
    {%- set recompute_from = incremental_recompute_from() -%}
    (
        coalesce(updated_at, created_at) >= {{ recompute_from }}
        or created_at >= {{ recompute_from }}
        {%- for stage in funnel_stage_names() %}
            or became_{{ stage }}_at >= {{ recompute_from }}
        {%- endfor %}
    )
{%- endmacro %}

{#- The funnel rows the recompute strategy deletes: those of the contacts above, deleted ones
    included (their row must go; the batch holds live contacts only). -#}
{% macro contacts_to_recompute() -%}
    contact_id in (
        select contact_id
        from {{ ref('stg_crm__contacts') }}
        where {{ contact_changed_since_recompute() }}
    )
{%- endmacro %}

{#- The subscriptions whose periods an incremental run of int_subscription_periods recomputes, as
    a select of `subscription_id`: a piece running on or after the recompute instant, a built
    period reaching it, a status that carries MRR forward, or a cancellation or end since. -#}
{% macro subscriptions_to_recompute() -%}
    {%- set recompute_from = incremental_recompute_from() -%}
    select subscription_id
    from {{ ref('int_subscription_mrr_pieces') }}
    where piece_end_at >= {{ recompute_from }}
    union
    select subscription_id
    from {{ this }}
    where valid_to >= {{ recompute_from }}
    union
    select subscription_id
    from {{ ref('stg_billing__subscriptions') }}
    where
        status in {{ word_list_literal('mrr_carry_forward_statuses') }}
        or canceled_at >= {{ recompute_from }}
        or ended_at >= {{ recompute_from }}
{%- endmacro %}

{#- The periods the recompute strategy deletes besides those reaching the window: the latest
    period of each subscription above, which the run recomputes even when it ended before the
    window (a status may carry its MRR forward now, or no longer). -#}
{% macro latest_subscription_periods_to_recompute() -%}
    subscription_period_id in (
        select built.subscription_period_id
        from {{ this }} as built
        inner join (
            select
                subscription_id,
                max(valid_from) as valid_from
            from {{ this }}
            where subscription_id in ({{ subscriptions_to_recompute() }})
            group by subscription_id
        ) as latest
            on
                built.subscription_id = latest.subscription_id
                and built.valid_from = latest.valid_from
    )
{%- endmacro %}

{#- The deals whose int_deals_enriched row an incremental run recomputes, as a select of
    `deal_id`: the deals dated in the window (opened or closed since the recompute instant, or
    with a stage entered since: their reading as of the as-of instant may have moved); the open
    ones (their days in the current stage run to the cutoff); and every deal whose staged row no
    longer matches its built one: new, deleted, quarantined since, or with a changed amount,
    currency, owner, company, pipeline, stage or date, whatever its `updated_at` says (a CRM
    need not move it on a delete). A stage entry loaded late but dated before the window needs
    `dbt build --full-refresh`, as elsewhere. -#}
{% macro deals_changed_since_recompute() -%}
    {%- set recompute_from = incremental_recompute_from() -%}
    {%- set compared = [
        'company_id', 'owner_id', 'pipeline', 'deal_stage', 'amount', 'currency', 'created_at',
        'closed_at',
    ] -%}
    {#- One pass over the live staged deals against the built ones (a deleted deal not built
        needs nothing: the batch holds live deals only), and the stage entries. -#}
    select deal_id
    from {{ ref('stg_crm__deal_stage_history') }}
    where entered_at >= {{ recompute_from }}
    union
    select coalesce(staged.deal_id, built.deal_id) as deal_id
    from (
        select {{ compared | join(', ') }}, deal_id
        from {{ ref('stg_crm__deals') }}
        where not is_deleted
    ) as staged
    full outer join {{ this }} as built
        on staged.deal_id = built.deal_id
    where
        staged.deal_id is null
        or built.deal_id is null
        or built.deal_status = 'open'
        or staged.created_at >= {{ recompute_from }}
        or staged.closed_at >= {{ recompute_from }}
        {%- for column in compared %}
        or staged.{{ column }} is distinct from built.{{ column }}
        {%- endfor %}
{%- endmacro %}

{#- The int_deals_enriched rows the recompute strategy deletes: those of the deals above (a
    deleted or quarantined deal's row goes; the batch holds live deals only). -#}
{% macro deals_to_recompute() -%}
    deal_id in ({{ deals_changed_since_recompute() }})
{%- endmacro %}

{#- dbt's is_incremental(), except in a compile told not to introspect (`dbt compile
    --no-introspect`, as the compile checks of other warehouses run without a connection): there
    it renders the full build instead of asking the warehouse whether the table exists. A model
    not materialized incremental (a base table of a connector shape, a Spark table) is answered
    without asking for its relation, which a unit test does not have. -#}
{% macro is_incremental() -%}
    {%- if (execute and not flags.INTROSPECT) or config.get('materialized') != 'incremental' -%}
        {{ return(false) }}
    {%- endif -%}
    {{ return(dbt.is_incremental()) }}
{%- endmacro %}

{#- The materialization of the incremental models: incremental, except on Spark, whose Parquet
    tables take no DELETE (the recompute strategy needs one; Delta or Iceberg would): there they
    are tables rebuilt each run. -#}
{% macro incremental_materialization() -%}
    {{ return('table' if target.type == 'spark' else 'incremental') }}
{%- endmacro %}
