-- A subscription is at one MRR at a time: its periods never overlap.
with

periods as (
    select * from {{ ref('int_subscription_periods') }}
)

select
    earlier.subscription_id,
    earlier.valid_from as earlier_valid_from,
    earlier.valid_to as earlier_valid_to,
    later.valid_from as later_valid_from
from periods as earlier
inner join periods as later
    on
        earlier.subscription_id = later.subscription_id
        and earlier.valid_from < later.valid_from
        and earlier.valid_to > later.valid_from
