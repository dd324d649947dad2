-- Source adapter: the contract's raw `subscriptions`, selected, renamed and parsed
-- into canonical columns, and nothing else. The staging skeleton (base_billing__subscriptions)
-- versions, checks and fates each row.
with

source as (
    select
        *,
        {{ raw_row_number() }} as raw_row_number
    from {{ raw_table('raw_billing', 'subscriptions') }}
),

typed as (
    select
        {{ clean_text('subscription_id') }} as subscription_id,
        {{ clean_text('customer_id') }} as customer_id,
        lower({{ clean_text('status') }}) as status,
        {{ parse_timestamp('created_at') }} as created_at,
        {{ parse_timestamp('started_at') }} as started_at,
        {{ parse_timestamp('trial_start') }} as trial_started_at,
        {{ parse_timestamp('trial_end') }} as trial_ended_at,
        coalesce({{ parse_boolean('cancel_at_period_end') }}, false) as is_canceled_at_period_end,
        {{ parse_timestamp('canceled_at') }} as canceled_at,
        {{ parse_timestamp('ended_at') }} as ended_at,
        {{ parse_timestamp('current_period_start') }} as current_period_start_at,
        {{ parse_timestamp('current_period_end') }} as current_period_end_at,
        {{ adapter_tracking_columns(
            unparseable=first_unparseable_column({
                'created_at': 'timestamp',
                'started_at': 'timestamp',
                'trial_start': 'timestamp',
                'trial_end': 'timestamp',
                'cancel_at_period_end': 'boolean',
                'canceled_at': 'timestamp',
                'ended_at': 'timestamp',
                'current_period_start': 'timestamp',
                'current_period_end': 'timestamp',
            }),
        ) }}
    from source
)

select * from typed
