{#-
    The staging skeleton: the steps every canonical base table takes, written once. A source
    adapter's model (models/staging/<domain>/<shape>/) only selects, renames and parses its
    system's columns into the canonical ones, plus the row-tracking columns below; the canonical
    base model (models/staging/<domain>/base/) is one call of `stage_rows`, which
    1. versions: among rows of one key the latest wins (`latest_first`, then load order);
    2. looks up what the row points at (seeds, and other canonical base tables with their fates:
       an orphan check happens here, where two canonical tables meet, never inside an adapter);
    3. checks: unparseable values, null keys, then the table's own checks in order; the first
       that fails is the row's quarantine reason;
    4. decides the row's fate, in this order of precedence: `duplicate` (an older version of a
       key), `test_mode` (its own livemode is false, or it belongs to a test-mode parent),
       `deleted` (deleted in the source system), `quarantined`, `staged`.
    Every raw row of the adapter's table is one row here: raw rows = staged + duplicate +
    test_mode + deleted + quarantined (the reconciliation the base tables' tests check).

    Incremental staging. Where the raw layer only grows by loads (the contract shape on DuckDB:
    dbt_project.yml makes those base tables incremental), a run after the first stages only
    - the rows loaded since the last run (load order above the last one staged), and
    - the kept rows whose fate those can change: older versions of a key loaded again, and rows
      pointing at a row that a table they look up re-staged since (`fate_computed_at`, the run
      that last decided a row's fate, carries the change down: customer -> invoice -> line).
    and replaces those rows by load order (unique_key raw_row_number). Everything else keeps the
    fate it had, which is the fate a full build gives it: a row's fate depends only on its key's
    versions and on what it looks up. A seed edited since (currencies, channels, stages) needs a
    full refresh. Raw data replaced or edited rather than appended stops the run with an error
    (see staging_watermark).

    Row-tracking columns every adapter gives (see `adapter_tracking_columns`):
      raw_row_number      load order (the last load of a key wins among equals)
      raw_file, raw_line  where a rejected CSV line was (null for rows the reader read)
      unparseable_column  the first column whose raw value did not parse, else null
      is_livemode         false for a test-mode object; null or true is live
      is_source_deleted   true when the source system deleted the row; null or false is not
      source_quarantine_reason  why the adapter could not map the row (e.g. a Stripe refund
                          whose charge has no invoice), else null

    Arguments:
      rows         the adapter's relation (canonical_adapter(domain, table))
      key          list of key columns
      latest_first list of order-by expressions ranking versions of a key before load order
      lookups      list of dicts, each a left join on one other relation:
                     alias    prefix of what the lookup adds: <alias>_found (boolean) and, for a
                              relation with fates, <alias>_is_test_mode
                     relation ref() of a seed or a canonical base table
                     key      its key column; on: this table's column (default: key)
                     has_fates true for a canonical base table: only its staged and test-mode
                              rows are looked up (a quarantined parent makes an orphan)
                     columns  {its column: name here} to carry over
                     changes_with  the canonical base table a relation given as a subquery
                              reads (an incremental run re-stages the rows pointing at what
                              it re-staged); implied by has_fates
      test_mode_from  aliases of fated lookups whose test-mode rows make this row test-mode
      derived      {name: SQL expression} computed after the lookups (may use their columns)
      checks       list of (reason, condition) pairs, in precedence order
      money        columns given in minor units as <name>_minor: <name> in major units is added
                   (needs a minor_units column, from a lookup)
-#}
{% macro stage_rows(
    rows, key, latest_first=[], lookups=[], test_mode_from=[], derived={}, checks=[], money=[]
) -%}
    {%- set null_checks = [] -%}
    {%- for column in key -%}{%- do null_checks.append(column ~ ' is null') -%}{%- endfor -%}
    {%- set key_is_null = '(' ~ null_checks | join(' or ') ~ ')' -%}
    {%- do boolean_literal('incremental_staging') -%}
    {%- set restaging = is_incremental() -%}
with
{% if restaging %}
    {%- set last = staging_watermark(rows, key) -%}
    {%- set columns = adapter.get_columns_in_relation(rows) | map(attribute='name') | join(', ') %}
-- An incremental run: the rows loaded since, and the kept rows whose fate they can change.
loaded as (
    select {{ columns }}
    from {{ rows }}
    where raw_row_number > {{ last.raw_row_number }}
),

{%- set kept_columns = ['raw_row_number'] + key %}
{%- for lookup in lookups if lookup.get('has_fates') or lookup.get('changes_with') %}
    {%- if lookup.get('on', lookup.key) not in kept_columns %}
        {%- do kept_columns.append(lookup.get('on', lookup.key)) %}
    {%- endif %}
{%- endfor %}

kept as (
    -- Rows the reader read (a rejected line is quarantined again by the post-hook each run);
    -- only the columns that pick the rows to re-stage (DuckDB materializes a CTE read twice).
    select {{ kept_columns | join(', ') }}
    from {{ this }}
    where raw_file is null
),

restaged as (
    select kept.raw_row_number
    from kept
    inner join loaded
        on
        {%- for column in key %}
            {{ 'and ' if not loop.first }}kept.{{ column }} = loaded.{{ column }}
        {%- endfor %}
    {%- for lookup in lookups if lookup.get('has_fates') or lookup.get('changes_with') %}

    union

    select kept.raw_row_number
    from kept
    where kept.{{ lookup.get('on', lookup.key) }} in (
        select {{ lookup.key }}
        from {{ lookup.get('changes_with') or lookup.relation }}
        where fate_computed_at > {{ last.fate_computed_at }}
    )
    {%- endfor %}
),

adapted as (
    select {{ columns }} from loaded

    union all

    select {{ columns }}
    from {{ this }}
    where raw_file is null and raw_row_number in (select raw_row_number from restaged)
),
{% else %}
adapted as (
    select * from {{ rows }}
),
{% endif %}

versioned as (
    select
        adapted.*,
        row_number() over (
            partition by {{ key | join(', ') }}
            order by
                {%- for expression in latest_first %} {{ expression }},{% endfor %}
                raw_row_number desc
        ) as version_rank
    from adapted
),

looked_up as (
    select
        versioned.*
        {%- for lookup in lookups %}
        {%- set on = lookup.get('on', lookup.key) %}
        , {{ lookup.alias }}_lookup.{{ lookup.key }} is not null as {{ lookup.alias }}_found
        {%- if lookup.get('has_fates') %}
        , coalesce({{ lookup.alias }}_lookup.row_status = 'test_mode', false)
            as {{ lookup.alias }}_is_test_mode
        {%- endif %}
        {%- for column, name in lookup.get('columns', {}).items() %}
        , {{ lookup.alias }}_lookup.{{ column }} as {{ name }}
        {%- endfor %}
        {%- endfor %}
    from versioned
    {%- for lookup in lookups %}
    {%- set on = lookup.get('on', lookup.key) %}
    left join
        {%- if lookup.get('has_fates') %}
        (
            select {{ ([lookup.key, 'row_status'] + (lookup.get('columns', {}).keys() | list)) | unique | join(', ') }}
            from {{ lookup.relation }}
            where row_status in ('staged', 'test_mode')
        )
        {%- else %}
        {{ lookup.relation }}
        {%- endif %} as {{ lookup.alias }}_lookup
        on versioned.{{ on }} = {{ lookup.alias }}_lookup.{{ lookup.key }}
    {%- endfor %}
),

derived as (
    select
        looked_up.*
        {%- for name, expression in derived.items() %}
        , {{ expression }} as {{ name }}
        {%- endfor %}
    from looked_up
),

checked as (
    select
        derived.*,
        {{ key_is_null }} as has_null_key,
        (
            coalesce(is_livemode = false, false)
            {%- for alias in test_mode_from %}
            or {{ alias }}_is_test_mode
            {%- endfor %}
        ) as is_test_mode,
        case
            when unparseable_column is not null
                then {{ dbt.concat(["'unparseable '", "unparseable_column"]) }}
            when source_quarantine_reason is not null then source_quarantine_reason
            when {{ key_is_null }} then 'null key'
            {%- for reason, condition in checks %}
            when {{ condition }} then '{{ reason }}'
            {%- endfor %}
        end as quarantine_reason
    from derived
),

final as (
    select
        checked.*,
        {%- for column in money %}
        {{ minor_to_major(column ~ '_minor', 'minor_units') }} as {{ column }},
        {%- endfor %}
        case
            when not has_null_key and version_rank > 1 then 'duplicate'
            when is_test_mode then 'test_mode'
            when coalesce(is_source_deleted, false) then 'deleted'
            when quarantine_reason is not null then 'quarantined'
            else 'staged'
        end as row_status,
        {{ run_started_at_sql() }} as fate_computed_at
    from checked
)

select * from final
{%- endmacro %}

{#- The row-tracking columns of an adapter model (see stage_rows). Each argument is a SQL
    expression over the adapter's raw rows; the defaults suit a source without livemode or
    deletes. -#}
{% macro adapter_tracking_columns(
    unparseable,
    raw_row_number='raw_row_number',
    is_livemode='cast(null as boolean)',
    is_source_deleted='cast(null as boolean)',
    source_quarantine_reason='cast(null as ' ~ dbt.type_string() ~ ')'
) -%}
    {{ raw_row_number }} as raw_row_number,
    {{ rejected_line_columns() }},
    {{ unparseable }} as unparseable_column,
    {{ is_livemode }} as is_livemode,
    {{ is_source_deleted }} as is_source_deleted,
    {{ source_quarantine_reason }} as source_quarantine_reason
{%- endmacro %}

{#- The adapter model a canonical base table reads, by the source var of its domain. -#}
{% macro canonical_adapter(domain, table_name) -%}
    {{ return(ref('base_' ~ staging_adapter_prefix(domain) ~ '__' ~ table_name)) }}
{%- endmacro %}

{#- The adapter prefix of a domain: the contract's raw source, or the connector's. -#}
{% macro staging_adapter_prefix(domain) -%}
    {%- if domain == 'billing' -%}
        {{ return({'contract': 'raw_billing', 'fivetran_stripe': 'stripe'}[billing_source()]) }}
    {%- elif domain == 'crm' -%}
        {{ return({
            'contract': 'raw_crm',
            'fivetran_hubspot': 'hubspot',
            'fivetran_salesforce': 'salesforce',
        }[crm_source()]) }}
    {%- endif -%}
    {{ return('raw_' ~ domain) }}
{%- endmacro %}

{#- The quarantined rows of a domain's base tables, one union: `tables` lists
    (source table label, base model name, record key column). -#}
{% macro quarantined_rows(tables) -%}
    {%- for label, model_name, record_key in tables %}
    select
        '{{ label }}' as source_table,
        {{ record_key }} as record_key,
        raw_row_number,
        raw_file,
        raw_line,
        quarantine_reason
    from {{ ref(model_name) }}
    where row_status = 'quarantined'
    {%- if not loop.last %}

    union all
    {% endif -%}
    {%- endfor %}
{%- endmacro %}

{#- This run's start, as a timestamp literal: when a base row's fate was decided. -#}
{% macro run_started_at_sql() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as {{ api.Column.translate_type('timestamp') }})
{%- endmacro %}

{#- Where the last run of an incremental base table stopped: the load order of the last raw row
    it staged and when it ran (SQL literals). The raw row at that load order must still be the
    one staged then: raw data replaced (another RAW_DATA_DIR, a regenerated file) or edited
    rather than appended would otherwise be mixed with the rows kept, so the run stops and says
    to build in full. -#}
{% macro staging_watermark(rows, key) -%}
    {%- if not execute -%}
        {{ return({'raw_row_number': 0, 'fate_computed_at': 'null'}) }}
    {%- endif -%}
    {%- set built = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') -%}
    {%- if 'fate_computed_at' not in built -%}
        {{ exceptions.raise_compiler_error(
            this.identifier ~ " was built before incremental staging (it has no fate_computed_at)."
            ~ " Build in full once: make build FULL_REFRESH=1 (dbt build --full-refresh)."
        ) }}
    {%- endif -%}
    {%- set last_sql -%}
        select max(raw_row_number), cast(max(fate_computed_at) as {{ dbt.type_string() }})
        from {{ this }}
        where raw_file is null
    {%- endset -%}
    {%- set last_row = run_query(last_sql).rows[0] -%}
    {%- if last_row[0] is none -%}
        {{ return({'raw_row_number': 0, 'fate_computed_at': 'null'}) }}
    {%- endif -%}
    {%- set same_sql -%}
        select count(*)
        from {{ rows }} as raw_rows
        inner join {{ this }} as staged
            on
                raw_rows.raw_row_number = staged.raw_row_number
                {%- for column in key %}
                and raw_rows.{{ column }} is not distinct from staged.{{ column }}
                {%- endfor %}
        where raw_rows.raw_row_number = {{ last_row[0] }}
    {%- endset -%}
    {%- if run_query(same_sql).rows[0][0] == 0 -%}
        {{ exceptions.raise_compiler_error(
            this.identifier ~ ": raw row " ~ last_row[0] ~ " (load order) is not the row staged"
            ~ " there by the last run: the raw data was replaced or edited, not appended."
            ~ " Build in full: make build FULL_REFRESH=1 (dbt build --full-refresh)."
        ) }}
    {%- endif -%}
    {{ return({
        'raw_row_number': last_row[0],
        'fate_computed_at': "cast('" ~ last_row[1] ~ "' as " ~ api.Column.translate_type('timestamp') ~ ")",
    }) }}
{%- endmacro %}
