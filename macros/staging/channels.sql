{#- Lead sources are typed by hand in the CRM (`Paid Search`, ` organic_search `, `PAID-SOCIAL`):
    lower case, trimmed, spaces and hyphens as underscores. The result is then looked up in the
    `channels` seed; anything not found there is the channel `unknown`. -#}
{% macro normalize_channel_name(column) -%}
    replace(replace(lower({{ clean_text(column) }}), ' ', '_'), '-', '_')
{%- endmacro %}
