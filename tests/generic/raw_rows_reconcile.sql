{#- Nothing is lost between a raw table and staging: raw rows (read or rejected by the CSV
    reader) = staged rows (this model) +
    quarantined rows (in the source's quarantine model, for this table) + expected removals
    (superseded duplicates and test-mode rows, as the base model records them).
    Returns one row with every count when the identity does not hold. -#}
{% test raw_rows_reconcile(model, raw_relation, base_model, quarantine_model, source_table) %}

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
                as test_mode_count
        from {{ base_model }}
    )

    select
        raw_rows.row_count as raw_row_count,
        staged_rows.row_count as staged_row_count,
        quarantined_rows.row_count as quarantined_row_count,
        removed_rows.duplicate_count,
        removed_rows.test_mode_count
    from raw_rows
    cross join staged_rows
    cross join quarantined_rows
    cross join removed_rows
    where raw_rows.row_count <> staged_rows.row_count + quarantined_rows.row_count
        + removed_rows.duplicate_count + removed_rows.test_mode_count

{% endtest %}
