{#-
    The raw data contract: the columns staging reads from each raw table, in one place.
    - required: a file or table without one of them stops the run before any model is built,
      with one message naming every missing file, table and column (check_raw_sources, an
      on-run-start hook).
    - optional: a loader may leave it out; it is then read as null, which staging already reads
      as "not given": is_deleted false, is_livemode true, discount_amount 0, and descriptive or
      personal text that no KPI reads (names, e-mails, descriptions, reasons) null.
    Extra columns are ignored; column order does not matter.
-#}
{% macro raw_contract() -%}
    {#- Salesforce: the custom fields the vars name are read where present (Lead or Contact). -#}
    {%- set salesforce_custom = salesforce_stage_date_columns().values() | list -%}
    {%- set salesforce_lead_custom = salesforce_custom
        + ([column_name_var('salesforce_lead_account_column')]
           if column_name_var('salesforce_lead_account_column') else []) -%}
    {{ return({
        'raw_crm': {
            'contacts': {
                'required': [
                    'contact_id', 'company_id', 'owner_id', 'lead_source', 'lifecycle_stage',
                    'created_at', 'became_lead_at', 'became_mql_at', 'became_sql_at',
                    'became_opportunity_at', 'became_customer_at', 'updated_at',
                ],
                'optional': ['email', 'first_name', 'last_name', 'is_deleted'],
            },
            'companies': {
                'required': ['company_id', 'country', 'owner_id', 'created_at', 'updated_at'],
                'optional': ['name', 'domain', 'industry', 'employee_count', 'is_deleted'],
            },
            'deals': {
                'required': [
                    'deal_id', 'company_id', 'owner_id', 'pipeline', 'deal_stage', 'amount',
                    'currency', 'created_at', 'closed_at', 'updated_at',
                ],
                'optional': ['deal_name', 'is_deleted'],
            },
            'deal_stage_history': {
                'required': ['deal_id', 'deal_stage', 'entered_at'],
                'optional': [],
            },
            'owners': {
                'required': ['owner_id', 'team', 'is_active'],
                'optional': ['email', 'first_name', 'last_name'],
            },
        },
        'raw_billing': {
            'customers': {
                'required': ['customer_id', 'crm_company_id', 'country', 'currency', 'created_at'],
                'optional': ['email', 'name', 'is_livemode', 'is_deleted'],
            },
            'prices': {
                'required': [
                    'price_id', 'product_id', 'product_name', 'billing_interval',
                    'interval_count', 'unit_amount', 'currency', 'is_active',
                ],
                'optional': ['nickname'],
            },
            'subscriptions': {
                'required': [
                    'subscription_id', 'customer_id', 'status', 'created_at', 'started_at',
                    'trial_start', 'trial_end', 'cancel_at_period_end', 'canceled_at', 'ended_at',
                    'current_period_start', 'current_period_end',
                ],
                'optional': [],
            },
            'invoices': {
                'required': [
                    'invoice_id', 'customer_id', 'subscription_id', 'status', 'currency',
                    'created_at', 'period_start', 'period_end', 'subtotal', 'discount_total',
                    'tax', 'total', 'amount_paid', 'paid_at',
                ],
                'optional': ['billing_reason'],
            },
            'invoice_line_items': {
                'required': [
                    'line_item_id', 'invoice_id', 'subscription_id', 'price_id', 'line_type',
                    'is_proration', 'quantity', 'amount', 'period_start', 'period_end',
                ],
                'optional': ['discount_amount', 'description'],
            },
            'refunds': {
                'required': ['refund_id', 'invoice_id', 'amount', 'currency', 'status', 'created_at'],
                'optional': ['reason'],
            },
        },
        'stripe': {
            'customer': {
                'required': ['id', 'currency', 'created', 'livemode', '_fivetran_synced'],
                'optional': [
                    'email', 'name', 'address_country', 'metadata', 'is_deleted',
                    '_fivetran_deleted',
                ],
            },
            'product': {
                'required': ['id', 'name', '_fivetran_synced'],
                'optional': ['is_deleted', '_fivetran_deleted'],
            },
            'price': {
                'required': [
                    'id', 'product_id', 'currency', 'unit_amount', 'recurring_interval',
                    'recurring_interval_count', 'active', 'livemode', '_fivetran_synced',
                ],
                'optional': ['nickname', 'is_deleted', '_fivetran_deleted'],
            },
            'plan': {
                'required': [
                    'id', 'product_id', 'currency', 'amount', 'interval', 'interval_count',
                    'active', 'livemode', '_fivetran_synced',
                ],
                'optional': ['nickname', 'is_deleted', '_fivetran_deleted'],
            },
            'subscription_history': {
                'required': [
                    'id', 'customer_id', 'status', 'created', 'start_date', 'cancel_at_period_end',
                    'canceled_at', 'ended_at', 'livemode', '_fivetran_active', '_fivetran_start',
                    '_fivetran_synced',
                ],
                'optional': [
                    'trial_start', 'trial_end', 'current_period_start', 'current_period_end',
                    '_fivetran_deleted',
                ],
            },
            'subscription': {
                'required': [
                    'id', 'customer_id', 'status', 'created', 'start_date', 'cancel_at_period_end',
                    'canceled_at', 'ended_at', 'livemode', '_fivetran_synced',
                ],
                'optional': [
                    'trial_start', 'trial_end', 'current_period_start', 'current_period_end',
                    '_fivetran_deleted',
                ],
            },
            'subscription_item': {
                'required': ['id', 'subscription_id', '_fivetran_synced'],
                'optional': ['current_period_start', 'current_period_end', '_fivetran_deleted'],
            },
            'invoice': {
                'required': [
                    'id', 'customer_id', 'subscription_id', 'status', 'currency', 'created',
                    'period_start', 'period_end', 'subtotal', 'tax', 'total', 'amount_paid',
                    'livemode', '_fivetran_synced',
                ],
                'optional': [
                    'billing_reason', 'status_transitions_paid_at', 'is_deleted',
                    '_fivetran_deleted',
                ],
            },
            'invoice_line_item': {
                'required': [
                    'id', 'invoice_id', 'subscription_id', 'type', 'proration', 'quantity',
                    'amount', 'period_start', 'period_end', '_fivetran_synced',
                ],
                'optional': [
                    'price_id', 'plan_id', 'subscription_item_id', 'discountable', 'description',
                    'livemode', '_fivetran_deleted',
                ],
            },
            'discount': {
                'required': ['id', 'type', 'type_id', 'amount', '_fivetran_synced'],
                'optional': ['invoice_id', '_fivetran_deleted'],
            },
            'charge': {
                'required': ['id', 'invoice_id', 'livemode', '_fivetran_synced'],
                'optional': ['_fivetran_deleted'],
            },
            'refund': {
                'required': [
                    'id', 'charge_id', 'amount', 'currency', 'status', 'created', '_fivetran_synced',
                ],
                'optional': ['reason', '_fivetran_deleted'],
            },
        },
        'hubspot': {
            'contact': {
                'required': ['id', 'property_createdate', '_fivetran_synced'],
                'optional': [
                    'property_email', 'property_firstname', 'property_lastname',
                    'property_associatedcompanyid', 'property_hubspot_owner_id',
                    'property_hs_analytics_source', 'property_hs_analytics_source_data_1',
                    'property_lifecyclestage', 'property_lastmodifieddate',
                    'property_hs_lifecyclestage_lead_date',
                    'property_hs_lifecyclestage_marketingqualifiedlead_date',
                    'property_hs_lifecyclestage_salesqualifiedlead_date',
                    'property_hs_lifecyclestage_opportunity_date',
                    'property_hs_lifecyclestage_customer_date',
                    'property_hs_v2_date_entered_lead',
                    'property_hs_v2_date_entered_marketingqualifiedlead',
                    'property_hs_v2_date_entered_salesqualifiedlead',
                    'property_hs_v2_date_entered_opportunity',
                    'property_hs_v2_date_entered_customer',
                    'property_hs_merged_object_ids', '_fivetran_deleted',
                ],
            },
            'contact_property_history': {
                'required': ['contact_id', 'name', 'value', 'timestamp'],
                'optional': ['_fivetran_deleted'],
            },
            'company': {
                'required': ['id', '_fivetran_synced'],
                'optional': [
                    'property_name', 'property_domain', 'property_industry', 'property_country',
                    'property_numberofemployees', 'property_hubspot_owner_id',
                    'property_createdate', 'property_hs_lastmodifieddate', 'is_deleted',
                    '_fivetran_deleted',
                ],
            },
            'owner': {
                'required': ['owner_id', '_fivetran_synced'],
                'optional': ['email', 'first_name', 'last_name', 'is_active', '_fivetran_deleted'],
            },
            'deal': {
                'required': [
                    'deal_id', 'deal_pipeline_id', 'deal_pipeline_stage_id',
                    'property_createdate', '_fivetran_synced',
                ],
                'optional': [
                    'owner_id', 'property_dealname', 'property_amount',
                    'property_deal_currency_code', 'property_closedate',
                    'property_hs_lastmodifieddate', 'is_deleted', '_fivetran_deleted',
                ],
            },
            'deal_company': {
                'required': ['deal_id', 'company_id', '_fivetran_synced'],
                'optional': ['type_id', '_fivetran_deleted'],
            },
            'deal_stage': {
                'required': ['deal_id', 'value', 'date_entered', '_fivetran_synced'],
                'optional': ['_fivetran_deleted'],
            },
            'deal_pipeline': {
                'required': ['pipeline_id', 'label', '_fivetran_synced'],
                'optional': ['_fivetran_deleted'],
            },
            'deal_pipeline_stage': {
                'required': [
                    'stage_id', 'pipeline_id', 'label', 'probability', 'is_closed',
                    '_fivetran_synced',
                ],
                'optional': ['_fivetran_deleted'],
            },
        },
        'salesforce': {
            'lead': {
                'required': ['id', 'created_date', '_fivetran_synced'],
                'optional': [
                    'first_name', 'last_name', 'email', 'status', 'lead_source', 'owner_id',
                    'is_converted', 'converted_date', 'converted_account_id',
                    'converted_contact_id', 'last_modified_date', 'is_deleted',
                    '_fivetran_deleted', '_fivetran_active',
                ] + salesforce_lead_custom,
            },
            'lead_history': {
                'required': ['lead_id', 'field', 'new_value', 'created_date'],
                'optional': ['old_value', 'is_deleted', '_fivetran_deleted'],
            },
            'contact': {
                'required': ['id', 'created_date', '_fivetran_synced'],
                'optional': [
                    'account_id', 'first_name', 'last_name', 'email', 'lead_source', 'owner_id',
                    'last_modified_date', 'is_deleted', '_fivetran_deleted', '_fivetran_active',
                ] + salesforce_custom,
            },
            'account': {
                'required': ['id', '_fivetran_synced'],
                'optional': [
                    'name', 'website', 'industry', 'billing_country', 'billing_country_code',
                    'number_of_employees', 'owner_id', 'created_date', 'last_modified_date',
                    'is_deleted', '_fivetran_deleted', '_fivetran_active',
                ],
            },
            'user': {
                'required': ['id', '_fivetran_synced'],
                'optional': [
                    'email', 'first_name', 'last_name', 'department', 'is_active',
                    '_fivetran_deleted', '_fivetran_active',
                ],
            },
            'opportunity': {
                'required': [
                    'id', 'stage_name', 'is_closed', 'is_won', 'created_date', '_fivetran_synced',
                ],
                'optional': [
                    'account_id', 'owner_id', 'name', 'type', 'amount', 'currency_iso_code',
                    'close_date', 'last_modified_date', 'is_deleted', '_fivetran_deleted',
                    '_fivetran_active',
                ],
            },
            'opportunity_history': {
                'required': ['opportunity_id', 'stage_name', 'created_date', '_fivetran_synced'],
                'optional': ['is_deleted', '_fivetran_deleted'],
            },
        },
        'raw_finance': {
            'expenses': {
                'required': [
                    'expense_id', 'incurred_on', 'department', 'category', 'channel', 'amount',
                    'currency',
                ],
                'optional': [],
            },
            'fx_rates': {
                'required': ['rate_date', 'currency', 'rate_to_usd'],
                'optional': [],
            },
        },
    }) }}
{%- endmacro %}

{#- Whether this invocation reads raw data (so checks and column look-ups may query the
    warehouse): the commands that run models or queries (`retry` re-runs a build, `show` runs a
    model's query); not `dbt compile`, `docs generate` or `parse`, which may run without a
    connection (make compile-adapters). -#}
{% macro reads_raw_data() -%}
    {{ return(execute and flags.WHICH in ['run', 'build', 'test', 'retry', 'show']) }}
{%- endmacro %}

{#- A raw table as the base models read it: the source, with each optional contract column it
    lacks added as null. Nothing is added when none is missing (the common case), nor in unit
    tests, whose fixtures give every column. -#}
{% macro raw_table(source_name, table_name) -%}
    {%- set relation = source(source_name, table_name) -%}
    {%- if not reads_raw_data() or model.resource_type == 'unit_test' -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- set present = raw_relation_columns(relation) -%}
    {%- set missing = [] -%}
    {%- for column in raw_contract()[source_name][table_name]['optional'] -%}
        {%- if column not in present -%}
            {%- do missing.append(column) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if not missing -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- set padded -%}
        (
            select
                *,
                {%- for column in missing %}
                cast(null as {{ dbt.type_string() }}) as {{ column }}{{ "," if not loop.last }}
                {%- endfor %}
            from {{ relation }}
        ) as raw_{{ table_name }}
    {%- endset -%}
    {{ return(padded) }}
{%- endmacro %}

{#- The lower-case column names of a raw relation. -#}
{% macro raw_relation_columns(relation) -%}
    {{ return(adapter.dispatch('raw_relation_columns', 'revops_warehouse')(relation)) }}
{%- endmacro %}

{% macro default__raw_relation_columns(relation) -%}
    {%- set names = [] -%}
    {%- for column in adapter.get_columns_in_relation(relation) -%}
        {%- do names.append(column.name | lower) -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}

{#- A raw file (dbt-duckdb external source) has no catalog entry: its columns are the header's
    (CSV) or the schema's (Parquet), which DESCRIBE reads without scanning the rows. -#}
{% macro duckdb__raw_relation_columns(relation) -%}
    {%- if not relation.external -%}
        {{ return(default__raw_relation_columns(relation)) }}
    {%- endif -%}
    {%- set described = run_query("select column_name from (describe select * from " ~ relation ~ ")") -%}
    {{ return(described.columns[0].values() | map('lower') | list) }}
{%- endmacro %}

{#- Pre-flight (on-run-start): every raw table of the contract exists and has every required
    column, else one error before any model runs, naming every missing file or table and every
    missing column. Reads only headers and catalogs. -#}
{% macro check_raw_sources() -%}
    {%- if not reads_raw_data() -%}
        {{ return('') }}
    {%- endif -%}
    {%- set contract = raw_contract() -%}
    {%- set nodes = [] -%}
    {%- for node in graph.sources.values() | sort(attribute='unique_id') -%}
        {%- if node.name in contract.get(node.source_name, {}) -%}
            {%- do nodes.append(node) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set found = adapter.dispatch('raw_source_columns', 'revops_warehouse')(nodes) -%}
    {%- set absent = [] -%}
    {%- set problems = [] -%}
    {%- for node in nodes -%}
        {%- set label, columns = found[node.unique_id] -%}
        {%- if columns is none -%}
            {%- do absent.append(label) -%}
        {%- else -%}
            {%- set missing = [] -%}
            {%- for column in contract[node.source_name][node.name]['required'] -%}
                {%- if column not in columns -%}
                    {%- do missing.append(column) -%}
                {%- endif -%}
            {%- endfor -%}
            {%- if missing -%}
                {%- do problems.append(label ~ ": missing required column"
                    ~ ("s " if missing | length > 1 else " ") ~ missing | join(", ")) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if nodes and absent | length == nodes | length -%}
        {%- do problems.insert(0, "no raw table found "
            ~ adapter.dispatch('raw_sources_location', 'revops_warehouse')(nodes)) -%}
    {%- else -%}
        {%- for label in absent -%}
            {%- do problems.append(label ~ ": not found") -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if problems -%}
        {{ exceptions.raise_compiler_error(
            "The raw data does not match the raw data contract (macros/staging/raw_contract.sql);"
            ~ " nothing was built:\n  - " ~ problems | join("\n  - ")) }}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}

{#- unique_id -> (label, lower-case column names or none when the table does not exist), for
    source nodes of the graph. Warehouse tables: the adapter's catalog (information_schema on
    Postgres, DESCRIBE on Spark). -#}
{% macro default__raw_source_columns(nodes) -%}
    {%- set found = {} -%}
    {%- for node in nodes -%}
        {%- set relation = adapter.get_relation(
            database=node.database, schema=node.schema, identifier=node.identifier) -%}
        {%- set columns = none if relation is none else default__raw_relation_columns(relation) -%}
        {%- do found.update({node.unique_id: (node.schema ~ "." ~ node.identifier, columns)}) -%}
    {%- endfor -%}
    {{ return(found) }}
{%- endmacro %}

{% macro default__raw_sources_location(nodes) -%}
    {{ return("in schemas " ~ nodes | map(attribute='schema') | unique | join(", ")) }}
{%- endmacro %}

{#- The file a dbt-duckdb external source reads: the first quoted string of its location
    (`read_csv('<path>', ...)`, `read_parquet('<path>')`), none for a warehouse table. -#}
{% macro duckdb_raw_file(node) -%}
    {%- set location = node.meta.get('external_location') -%}
    {{ return(none if not location else location.split("'")[1] | replace('{name}', node.name)) }}
{%- endmacro %}

{#- Raw files: which exist (one glob query for all), then their headers (one DESCRIBE query for
    all); warehouse tables as on other adapters. -#}
{% macro duckdb__raw_source_columns(nodes) -%}
    {%- set files = {} -%}
    {%- set tables = [] -%}
    {%- for node in nodes -%}
        {%- if duckdb_raw_file(node) -%}
            {%- do files.update({node.unique_id: duckdb_raw_file(node)}) -%}
        {%- else -%}
            {%- do tables.append(node) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set found = default__raw_source_columns(tables) if tables else {} -%}
    {%- if not files -%}
        {{ return(found) }}
    {%- endif -%}
    {%- set existing_sql -%}
        {%- for unique_id, path in files.items() %}
        select '{{ unique_id }}' as unique_id from glob('{{ path }}')
        {%- if not loop.last %} union all{% endif -%}
        {%- endfor %}
    {%- endset -%}
    {%- set existing = run_query(existing_sql).columns[0].values() | list -%}
    {%- set columns = {} -%}
    {%- if existing -%}
        {%- set describe_sql -%}
            {%- for node in nodes if node.unique_id in existing %}
            select '{{ node.unique_id }}' as unique_id, lower(column_name) as column_name
            from (describe select * from {{ source(node.source_name, node.name) }})
            {%- if not loop.last %} union all{% endif -%}
            {%- endfor %}
        {%- endset -%}
        {%- for row in run_query(describe_sql).rows -%}
            {%- do columns.setdefault(row[0], []).append(row[1]) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- for unique_id, path in files.items() -%}
        {%- do found.update({unique_id: (path, columns.get(unique_id) if unique_id in existing else none)}) -%}
    {%- endfor -%}
    {{ return(found) }}
{%- endmacro %}

{% macro duckdb__raw_sources_location(nodes) -%}
    {%- set path = duckdb_raw_file(nodes[0]) -%}
    {%- if not path -%}
        {{ return(default__raw_sources_location(nodes)) }}
    {%- endif -%}
    {{ return("under RAW_DATA_DIR '" ~ path.rsplit('/', 2)[0]
        ~ "': the directory does not exist or holds no <source>/<table> files") }}
{%- endmacro %}
