{#- Nothing is lost between a raw table and staging: raw rows (read or rejected by the CSV
    reader) = staged rows (this model) +
    quarantined rows (in the source's quarantine model, for this table) + expected removals
    (superseded duplicates, test-mode rows and rows deleted in the source system, as the base
    model records them). The raw rows are counted through the source adapter of the domain's
    shape (macros/staging/staging_skeleton.sql), which maps each raw row of its table to one row;
    `raw_relation` names another relation to count instead.
    Returns one row with every count when the identity does not hold. -#}
{% test raw_rows_reconcile(
    model, base_model, quarantine_model, source_table, domain=none, raw_relation=none
) %}
    {%- if raw_relation is none %}
        {%- set raw_relation = canonical_adapter(domain, source_table) %}
    {%- endif %}

    with

    -- The rows the reader returned, plus the lines it rejected (ragged CSV rows, recorded by the
    -- base model with their file and line): those count as raw rows that were quarantined.
    raw_rows as (
        select
            (select count(*) from {{ raw_relation }})
            + (select count(*) from {{ base_model }} where raw_line is not null) as row_count
    ),

    staged_rows as (
        select count(*) as row_count from {{ model }}
    ),

    quarantined_rows as (
        select count(*) as row_count
        from {{ quarantine_model }}
        where source_table = '{{ source_table }}'
    ),

    removed_rows as (
        select
            coalesce(sum(case when row_status = 'duplicate' then 1 else 0 end), 0)
                as duplicate_count,
            coalesce(sum(case when row_status = 'test_mode' then 1 else 0 end), 0)
                as test_mode_count,
            coalesce(sum(case when row_status = 'deleted' then 1 else 0 end), 0)
                as deleted_count
        from {{ base_model }}
    )

    select
        raw_rows.row_count as raw_row_count,
        staged_rows.row_count as staged_row_count,
        quarantined_rows.row_count as quarantined_row_count,
        removed_rows.duplicate_count,
        removed_rows.test_mode_count,
        removed_rows.deleted_count
    from raw_rows
    cross join staged_rows
    cross join quarantined_rows
    cross join removed_rows
    where raw_rows.row_count <> staged_rows.row_count + quarantined_rows.row_count
        + removed_rows.duplicate_count + removed_rows.test_mode_count + removed_rows.deleted_count

{% endtest %}
