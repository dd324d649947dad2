with

mrr_by_month as (
    select * from {{ ref('int_mrr_by_month') }}
),

with_year_before as (
    select
        mrr_by_month.month,
        12 * mrr_by_month.ending_mrr as arr,
        12 * year_before.ending_mrr as arr_year_before
    from mrr_by_month
    left join mrr_by_month as year_before
        on year_before.month = {{ add_months(-12, 'mrr_by_month.month') }}
),

final as (
    select
        month,
        {{ money('arr') }} as arr,
        {{ safe_ratio('arr', 'arr_year_before') }} - 1 as arr_growth_yoy
    from with_year_before
)

select * from final
