-- One row per raw subscriptions row, typed, with its fate: staged, duplicate, test_mode or
-- quarantined.
with

source as (
    select
        *,
        {{ raw_row_number() }} as raw_row_number
    from {{ raw_table('raw_billing', 'subscriptions') }}
),

customers as (
    select * from {{ ref('base_billing__customers') }}
),

test_mode_customers as (
    select customer_id
    from customers
    where row_status = 'test_mode'
),

staged_customers as (
    select customer_id
    from customers
    where row_status = 'staged'
),

typed as (
    select
        raw_row_number,
        {{ rejected_line_columns() }},
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
        {{ first_unparseable_column({
            'created_at': 'timestamp',
            'started_at': 'timestamp',
            'trial_start': 'timestamp',
            'trial_end': 'timestamp',
            'cancel_at_period_end': 'boolean',
            'canceled_at': 'timestamp',
            'ended_at': 'timestamp',
            'current_period_start': 'timestamp',
            'current_period_end': 'timestamp',
        }) }} as unparseable_column
    from source
),

versioned as (
    select
        *,
        row_number() over (
            partition by subscription_id
            order by raw_row_number desc
        ) as version_rank
    from typed
),

checked as (
    select
        versioned.*,
        test_mode_customers.customer_id is not null as is_test_mode,
        case
            when versioned.subscription_id is null then 'null key'
            when versioned.unparseable_column is not null
                then {{ dbt.concat(["'unparseable '", "versioned.unparseable_column"]) }}
            when versioned.status is null
                or versioned.status not in (
                    'trialing', 'active', 'past_due', 'unpaid', 'canceled',
                    'incomplete', 'incomplete_expired'
                )
                then 'unknown status'
            when versioned.current_period_end_at < versioned.current_period_start_at
                then 'period end before start'
            when staged_customers.customer_id is null then 'orphan customer_id'
        end as quarantine_reason
    from versioned
    left join test_mode_customers
        on versioned.customer_id = test_mode_customers.customer_id
    left join staged_customers
        on versioned.customer_id = staged_customers.customer_id
),

final as (
    select
        *,
        case
            when subscription_id is not null and version_rank > 1 then 'duplicate'
            when is_test_mode then 'test_mode'
            when quarantine_reason is not null then 'quarantined'
            else 'staged'
        end as row_status
    from checked
)

select * from final
