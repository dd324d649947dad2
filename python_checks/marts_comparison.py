"""Compare the warehouse's revenue marts with the independent reference implementation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

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
MONEY_COLUMNS = {"arr", "arpu", "mrr", "cohort_starting_mrr"}


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


def revenue_differences(db_path: Path, raw_dir: Path) -> list[str]:
    """Every disagreement between the warehouse and the reference, as readable lines."""
    reference = compute_revenue(raw_dir, REPO / "seeds")
    differences: list[str] = []
    for mart, key in MART_KEYS.items():
        built = {tuple(r[k] for k in key): r for r in warehouse_rows(db_path, f"select * from marts.{mart}")}
        expected = {tuple(r[k] for k in key): r for r in reference[mart]}
        for missing in sorted(set(expected) - set(built)):
            differences.append(f"{mart} {missing}: missing in the warehouse")
        for extra in sorted(set(built) - set(expected)):
            differences.append(f"{mart} {extra}: not in the reference")
        for row_key in sorted(set(built) & set(expected)):
            for column, value in expected[row_key].items():
                if not values_agree(column, built[row_key][column], value):
                    differences.append(
                        f"{mart} {row_key} {column}: warehouse {built[row_key][column]}, "
                        f"reference {value}"
                    )
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
        r["customer_id"]: r
        for r in warehouse_rows(db_path, "select * from marts.dim_customers")
    }
    for row in reference["dim_customers_revenue"]:
        built = built_dim.get(row["customer_id"])
        if built is None or built["first_paying_month"] != row["first_paying_month"] or not (
            values_agree("current_mrr", built["current_mrr"], row["current_mrr"])
        ):
            differences.append(f"dim_customers {row['customer_id']}: warehouse {built}, reference {row}")
    return differences
