{#- Data tests scoped to the rows a daily run touched (decision D40, docs/incremental.md).

    With `touched` (var `data_test_scope`, or the environment's DBT_DATA_TEST_SCOPE, which the
    publish script sets on an incremental build and which wins over the var), a
    generic data test of a model a run rebuilds in part reads only the rows the run recomputed:
    - a staging base table, or a `stg_` view over one: the rows whose fate the latest run
      decided (the latest `fate_computed_at`; a view shows its base table's rows unchanged, and
      a row pointing at a re-staged one is re-staged with it);
    - a model with a `recompute_column`: the rows dated in the recompute window, plus the rows
      sharing its `unique_key` with one of them (the run replaces a key's rows together); a view
      over such models alone, row for row, declares the column too;
    Every other model (a table rebuilt each run, a view over one) is read whole, and so is every
    singular test and every test that is about the whole table (counts, reconciliation).
    A uniqueness test reads every row whose key is a touched row's key, so a duplicate made of a
    touched row and a kept one is still found (no widening where the key fixes the window's
    column: `key_is_dated_by_window`). With `all` (the default), or under
    `--full-refresh`, every test reads its whole table. -#}

{#- Tests that check each row (or each key) on its own: safe to run on a subset of rows. The
    value is how to widen the subset so that the test keeps its guarantee: none, or the key whose
    every row sharing a touched row's value must be read, as the name of the test's argument that
    holds it (a string) or as the columns themselves (a list). -#}
{% macro scopable_data_tests() -%}
    {{ return({
        'not_null': none,
        'accepted_values': none,
        'expression_is_true': none,
        'row_rules_hold': none,
        'relationships': none,
        'unique': 'column_name',
        'unique_combination_of_columns': 'combination_of_columns',
        'row_fates_are_sound': ['raw_row_number'],
    }) }}
{%- endmacro %}

{#- `all` or `touched`, validated: the environment's DBT_DATA_TEST_SCOPE when set, else the var
    `data_test_scope`. Read here, when a test runs, rather than by an env_var() in
    dbt_project.yml, which is part of dbt's partial-parse key: a daily run after a full one would
    parse everything again. -#}
{% macro data_test_scope() -%}
    {%- set raw = env_var('DBT_DATA_TEST_SCOPE', '') or var('data_test_scope') -%}
    {%- set value = raw | string | trim | lower -%}
    {%- if value not in ('all', 'touched') -%}
        {{ exceptions.raise_compiler_error(
            "data_test_scope (DBT_DATA_TEST_SCOPE or the var) must be all or touched, got: "
            ~ raw
        ) }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{#- The SQL predicate selecting the rows of the tested model this run touched, or none to read
    the whole model. Called while a generic test runs (`model` is the test node). -#}
{% macro touched_rows_predicate() -%}
    {%- if not execute or data_test_scope() == 'all' or flags.FULL_REFRESH -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set metadata = model.get('test_metadata') or {} -%}
    {%- if metadata.get('name') not in scopable_data_tests() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set tested = graph.nodes.get(model.get('attached_node') or '') -%}
    {%- if tested is none or tested.resource_type != 'model' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set recompute_column = tested.config.get('recompute_column') -%}
    {%- if recompute_column and rows_recomputed_by_window(tested) -%}
        {#- int_reporting_period through the graph: a test may not ref() a model it does not
            depend on. -#}
        {%- set period = graph.nodes['model.' ~ project_name ~ '.int_reporting_period'] -%}
        {%- set in_window = recompute_column ~ ' >= '
            ~ incremental_recompute_from(relation_of_node(period)) -%}
        {%- set unique_key = tested.config.get('unique_key') -%}
        {%- if unique_key is string -%}
            {%- set relation = relation_of_node(tested) -%}
            {{ return(
                '(' ~ in_window ~ ' or ' ~ unique_key ~ ' in (select ' ~ unique_key ~ ' from '
                ~ relation ~ ' where ' ~ in_window ~ '))'
            ) }}
        {%- endif -%}
        {{ return(in_window) }}
    {%- endif -%}
    {%- if 'fate_computed_at' in tested.columns -%}
        {#- The latest staging run's rows, whether it is this invocation or a `dbt run` before a
            separate `dbt test`. -#}
        {{ return(
            'fate_computed_at >= (select max(fate_computed_at) from '
            ~ relation_of_node(tested) ~ ')'
        ) }}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}

{#- An incremental model recomputes the rows of its window; so does a view over incremental
    models only, row for row (it declares their `recompute_column`: the semantic layer's
    projection of int_customer_mrr_by_month). -#}
{% macro rows_recomputed_by_window(node) -%}
    {%- if node.config.materialized == 'incremental' -%}
        {{ return(true) }}
    {%- endif -%}
    {%- if node.config.materialized != 'view' -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set parents = node.depends_on.nodes | select('in', graph.nodes) | list -%}
    {%- for parent in parents -%}
        {%- if graph.nodes[parent].resource_type == 'model'
            and graph.nodes[parent].config.materialized != 'incremental' -%}
            {{ return(false) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(parents | length > 0) }}
{%- endmacro %}

{% macro relation_of_node(node) -%}
    {{ return(api.Relation.create(
        database=node.database, schema=node.schema, identifier=node.alias
    )) }}
{%- endmacro %}

{#- The filter on a test's rows given the touched-rows predicate: the predicate itself, or, for
    a uniqueness test, every row whose key a touched row has. -#}
{% macro touched_rows_filter(relation, touched) -%}
    {%- set widen_by = scopable_data_tests()[model.test_metadata.name] -%}
    {%- if widen_by is none -%}
        {{ return(touched) }}
    {%- endif -%}
    {%- set keys = widen_by if widen_by is not string else model.test_metadata.kwargs[widen_by] -%}
    {%- if keys is string -%}{%- set keys = [keys] -%}{%- endif -%}
    {%- if key_is_dated_by_window(keys) -%}
        {{ return(touched) }}
    {%- endif -%}
    {%- set matches = [] -%}
    {%- for key in keys -%}
        {%- do matches.append('touched_rows.' ~ key ~ ' is not distinct from scoped_rows.' ~ key) -%}
    {%- endfor -%}
    {#- Bare column names in the predicate resolve to touched_rows, the innermost table. -#}
    {{ return(
        'exists (select 1 from ' ~ relation ~ ' as touched_rows where ' ~ touched
        ~ ' and ' ~ matches | join(' and ') ~ ')'
    ) }}
{%- endmacro %}

{#- True when every row sharing the key with a row in the recompute window is in the window
    itself, so a uniqueness test needs no widening: the key holds the model's `recompute_column`,
    or one of its `dated_keys` (columns whose value fixes the recompute column, as
    `customer_month_id` holds its month). Not for a model that also replaces whole `unique_key`s
    (its touched rows reach outside the window). -#}
{% macro key_is_dated_by_window(keys) -%}
    {%- set tested = graph.nodes[model.attached_node] -%}
    {%- set recompute_column = tested.config.get('recompute_column') -%}
    {%- if not recompute_column or tested.config.get('unique_key') is string -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set dated = [recompute_column] + (tested.config.get('dated_keys') or []) -%}
    {%- for key in keys -%}
        {%- if key in dated -%}
            {{ return(true) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(false) }}
{%- endmacro %}

{#- dbt wraps the `model` argument of every generic test in this macro (its `where` config);
    this version adds the touched-rows scope above. -#}
{% macro get_where_subquery(relation) -%}
    {%- set predicates = [] -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- do predicates.append('(' ~ where ~ ')') -%}
    {%- endif -%}
    {%- set touched = touched_rows_predicate() -%}
    {%- if touched is not none -%}
        {%- do predicates.append(touched_rows_filter(relation, touched)) -%}
    {%- endif -%}
    {%- if not predicates -%}
        {{ return(relation) }}
    {%- endif -%}
    {{ return(
        '(select * from ' ~ relation ~ ' as scoped_rows where ' ~ predicates | join(' and ')
        ~ ') dbt_subquery'
    ) }}
{%- endmacro %}
