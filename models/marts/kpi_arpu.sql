with

mrr_by_month as (
    select * from {{ ref('int_mrr_by_month') }}
),

final as (
    select
        month,
        {{ money('ending_mrr') }} as mrr,
        cast(paying_customers as integer) as paying_customers,
        {{ money(safe_ratio('ending_mrr', 'paying_customers')) }} as arpu
    from mrr_by_month
)

select * from final
