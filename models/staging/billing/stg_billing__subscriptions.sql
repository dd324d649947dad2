with

subscriptions as (
    select * from {{ ref('base_billing__subscriptions') }}
),

staged as (
    select
        subscription_id,
        customer_id,
        status,
        created_at,
        started_at,
        trial_started_at,
        trial_ended_at,
        is_canceled_at_period_end,
        canceled_at,
        ended_at,
        current_period_start_at,
        current_period_end_at,
        fate_computed_at
    from subscriptions
    where row_status = 'staged'
)

select * from staged
