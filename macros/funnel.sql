{#- The contact funnel: its stages and conversion within a window. -#}

{#- The funnel's stages in order (the `became_<stage>_at` columns of the contacts). -#}
{% macro funnel_stage_names() -%}
    {{ return(['lead', 'mql', 'sql', 'opportunity', 'customer']) }}
{%- endmacro %}

{#- Conversion within a window (var `funnel_conversion_window_days`, default 90, validated): a
    contact converted when it reached the next stage within that many days of entering this one.
    Young cohorts have not had the window yet; a cohort is mature once its last day lies the
    window before `end_at` (the end of a month, or the as-of cutoff). -#}
{% macro funnel_conversion_window_days() -%}
    {{ return(integer_literal('funnel_conversion_window_days', 1, 3650)) }}
{%- endmacro %}

{% macro funnel_cohort_is_mature(cohort_month, end_at) -%}
    (
        {{ dbt.dateadd(
            'day',
            funnel_conversion_window_days(),
            'cast(' ~ add_months(1, cohort_month) ~ ' as ' ~ api.Column.translate_type('timestamp') ~ ')'
        ) }}
        <= {{ end_at }}
    )
{%- endmacro %}
