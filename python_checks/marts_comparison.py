"""Compare the warehouse's revenue marts with the independent reference implementation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from python_checks.reference.funnel import compute_funnel_and_sales
from python_checks.reference.revenue import compute_revenue

REPO = Path(__file__).resolve().parents[1]
MONEY_TOLERANCE = 0.01
RATE_TOLERANCE = 1e-6
MART_KEYS: dict[str, tuple[str, ...]] = {
    "kpi_mrr": ("month",),
    "kpi_arr": ("month",),
    "kpi_arpu": ("month",),
    "kpi_churn_rate": ("month",),
    "kpi_retention_rate": ("month",),
    "kpi_cohort_retention": ("cohort_month", "months_since_start"),
}
FUNNEL_MART_KEYS: dict[str, tuple[str, ...]] = {
    "kpi_funnel_conversion": ("cohort_month", "channel", "from_stage", "to_stage"),
    "kpi_sales_cycle_length": ("month", "pipeline"),
    "kpi_sales_velocity": ("month", "pipeline"),
    "kpi_cac": ("month", "channel"),
    "kpi_customer_lifetime_value": ("month",),
}
MONEY_COLUMNS = {
    "arr",
    "arpu",
    "mrr",
    "cohort_starting_mrr",
    "avg_deal_size",
    "sales_velocity",
    "acquisition_spend",
    "cac",
    "ltv",
}


def is_money(column: str) -> bool:
    return column in MONEY_COLUMNS or column.endswith("_mrr")


def values_agree(column: str, warehouse: Any, reference: Any) -> bool:
    if warehouse is None or reference is None:
        return warehouse is None and reference is None
    if isinstance(reference, bool) or not isinstance(reference, (int, float)):
        return warehouse == reference
    if is_money(column):
        return abs(float(warehouse) - reference) <= MONEY_TOLERANCE
    if isinstance(reference, int):
        return int(warehouse) == reference
    return abs(float(warehouse) - reference) <= RATE_TOLERANCE


def warehouse_rows(db_path: Path, sql: str) -> list[dict[str, Any]]:
    with duckdb.connect(str(db_path), read_only=True) as connection:
        cursor = connection.execute(sql)
        columns = [description[0] for description in cursor.description]
        return [dict(zip(columns, row)) for row in cursor.fetchall()]


def mart_differences(
    db_path: Path, mart: str, key: tuple[str, ...], expected_rows: list[dict[str, Any]]
) -> list[str]:
    """Rows missing on either side, and every value that disagrees, for one mart."""
    built = {
        tuple(r[k] for k in key): r for r in warehouse_rows(db_path, f"select * from marts.{mart}")
    }
    expected = {tuple(r[k] for k in key): r for r in expected_rows}
    differences = [
        f"{mart} {k}: missing in the warehouse" for k in sorted(set(expected) - set(built))
    ]
    differences += [f"{mart} {k}: not in the reference" for k in sorted(set(built) - set(expected))]
    for row_key in sorted(set(built) & set(expected)):
        for column, value in expected[row_key].items():
            if not values_agree(column, built[row_key][column], value):
                differences.append(
                    f"{mart} {row_key} {column}: warehouse {built[row_key][column]}, "
                    f"reference {value}"
                )
    return differences


def funnel_differences(db_path: Path, raw_dir: Path) -> list[str]:
    """Every disagreement of the funnel, sales and acquisition marts with the reference."""
    reference = compute_funnel_and_sales(raw_dir, REPO / "seeds")
    differences: list[str] = []
    for mart, key in FUNNEL_MART_KEYS.items():
        differences += mart_differences(db_path, mart, key, reference[mart])
    channels = {
        r["customer_id"]: r["first_touch_channel"]
        for r in warehouse_rows(db_path, "select * from marts.dim_customers")
    }
    for row in reference["customer_first_touch"]:
        if channels.get(row["customer_id"]) != row["first_touch_channel"]:
            differences.append(
                f"dim_customers {row['customer_id']} first_touch_channel: warehouse "
                f"{channels.get(row['customer_id'])}, reference {row['first_touch_channel']}"
            )
    return differences


def revenue_differences(db_path: Path, raw_dir: Path) -> list[str]:
    """Every disagreement between the warehouse and the reference, as readable lines."""
    reference = compute_revenue(raw_dir, REPO / "seeds")
    differences: list[str] = []
    for mart, key in MART_KEYS.items():
        differences += mart_differences(db_path, mart, key, reference[mart])
    built_customers = {
        (r["customer_id"], r["month"]): r
        for r in warehouse_rows(db_path, "select * from marts.fct_mrr_movements")
    }
    for row in reference["customer_mrr_by_month"]:
        built = built_customers.pop((row["customer_id"], row["month"]), None)
        label = f"fct_mrr_movements {row['customer_id']} {row['month']}"
        if built is None:
            differences.append(f"{label}: missing in the warehouse")
        elif built["movement"] != row["movement"] or not all(
            values_agree(column, built[column], row[reference_column])
            for column, reference_column in (
                ("mrr", "mrr"),
                ("previous_mrr", "previous_mrr"),
                ("movement_mrr", "movement_amount"),
            )
        ):
            differences.append(f"{label}: warehouse {built}, reference {row}")
    differences += [f"fct_mrr_movements {k}: not in the reference" for k in built_customers]
    built_dim = {
        r["customer_id"]: r for r in warehouse_rows(db_path, "select * from marts.dim_customers")
    }
    for row in reference["dim_customers_revenue"]:
        built = built_dim.get(row["customer_id"])
        if (
            built is None
            or built["first_paying_month"] != row["first_paying_month"]
            or not (values_agree("current_mrr", built["current_mrr"], row["current_mrr"]))
        ):
            differences.append(
                f"dim_customers {row['customer_id']}: warehouse {built}, reference {row}"
            )
    return differences
