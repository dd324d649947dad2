{#- The staging skeleton's bookkeeping on a canonical base table (macros/staging/
    staging_skeleton.sql), in one scan: every row has a fate of the five, a staged row has no
    quarantine reason, and the load order (raw_row_number) is given and unique, the table's key.
    Returns one row per broken rule with the number of rows breaking it. -#}
{% test row_fates_are_sound(model) %}

    with

    fates as (
        select
            raw_row_number,
            row_status,
            quarantine_reason
        from {{ model }}
    ),

    repeated_rows as (
        select raw_row_number
        from fates
        where raw_row_number is not null
        group by raw_row_number
        having count(*) > 1
    ),

    problems as (
        select
            'row_status is not a fate' as problem,
            count(*) as row_count
        from fates
        where
            row_status is null
            or row_status not in ('staged', 'duplicate', 'test_mode', 'deleted', 'quarantined')
        union all
        select
            'a staged row has a quarantine reason' as problem,
            count(*) as row_count
        from fates
        where row_status = 'staged' and quarantine_reason is not null
        union all
        select
            'raw_row_number is null' as problem,
            count(*) as row_count
        from fates
        where raw_row_number is null
        union all
        select
            'raw_row_number is repeated' as problem,
            count(*) as row_count
        from repeated_rows
    )

    select
        problem,
        row_count
    from problems
    where row_count > 0

{% endtest %}
