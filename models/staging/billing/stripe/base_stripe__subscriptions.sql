-- Source adapter: Stripe's subscriptions as Fivetran lands them, in canonical columns. History
-- mode (var stripe__using_subscription_history, the default) lands every version in
-- `subscription_history`: the active version loads last, so the skeleton keeps it and counts the
-- others as superseded. The current period is on the subscription for connectors synced with
-- Stripe API versions before 2025-03-31 and on its items after: both are read.
{%- set table_name = 'subscription_history' if var('stripe__using_subscription_history')
    else 'subscription' %}
with

source as (
    select *
    from {{ fivetran_rows('stripe', table_name, order_first=(
        ["coalesce(" ~ parse_boolean('_fivetran_active') ~ ", true)",
            safe_parse(timestamp_text('_fivetran_start'), 'timestamp')]
        if table_name == 'subscription_history' else []
    )) }}
),

item_periods as (
    select
        {{ clean_text('subscription_id') }} as subscription_id,
        min({{ parse_timestamp('current_period_start') }}) as current_period_start_at,
        max({{ parse_timestamp('current_period_end') }}) as current_period_end_at
    from {{ fivetran_latest('stripe', 'subscription_item') }}
    group by {{ clean_text('subscription_id') }}
),

typed as (
    select
        {{ clean_text('source.id') }} as subscription_id,
        {{ clean_text('source.customer_id') }} as customer_id,
        lower({{ clean_text('source.status') }}) as status,
        {{ parse_timestamp('source.created') }} as created_at,
        {{ parse_timestamp('source.start_date') }} as started_at,
        {{ parse_timestamp('source.trial_start') }} as trial_started_at,
        {{ parse_timestamp('source.trial_end') }} as trial_ended_at,
        coalesce({{ parse_boolean('source.cancel_at_period_end') }}, false)
            as is_canceled_at_period_end,
        {{ parse_timestamp('source.canceled_at') }} as canceled_at,
        {{ parse_timestamp('source.ended_at') }} as ended_at,
        coalesce(
            {{ parse_timestamp('source.current_period_start') }},
            item_periods.current_period_start_at
        ) as current_period_start_at,
        coalesce(
            {{ parse_timestamp('source.current_period_end') }},
            item_periods.current_period_end_at
        ) as current_period_end_at,
        {{ adapter_tracking_columns(
            raw_row_number='source.raw_row_number',
            unparseable=first_unparseable_column({
                'source.created': 'timestamp',
                'source.start_date': 'timestamp',
                'source.trial_start': 'timestamp',
                'source.trial_end': 'timestamp',
                'source.cancel_at_period_end': 'boolean',
                'source.canceled_at': 'timestamp',
                'source.ended_at': 'timestamp',
                'source.current_period_start': 'timestamp',
                'source.current_period_end': 'timestamp',
                'source.livemode': 'boolean',
                'source._fivetran_synced': 'timestamp',
            }),
            is_livemode=parse_boolean('source.livemode'),
            is_source_deleted=fivetran_is_deleted(['source._fivetran_deleted']),
        ) }}
    from source
    left join item_periods
        on {{ clean_text('source.id') }} = item_periods.subscription_id
)

select * from typed
