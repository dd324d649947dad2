"""The daily run against a full refresh, on any engine: the two days of raw data, and the row by
row comparison of every staging, intermediate and mart relation of two warehouses.

Day 1 is a generated company; day 2 is day 1 plus one appended day (generator/append_day.py:
renewals, a new customer, a cancellation, and late rows: an invoice backdated into an earlier
month, an invoice voided, a deal stage changed, contacts changed and deleted). The raw data also
carries the cases that change a kept row's fate: an invoice and its line whose customer arrives a
day late (orphans on day 1, staged on day 2, two tables down), and, where the engine reads CSV
files itself, ragged lines on both days.
"""

from __future__ import annotations

import csv
import math
import subprocess
import sys
from pathlib import Path
from typing import Any, Protocol

import duckdb

from python_checks.dbt_runner import REPO

SEED, CUSTOMERS, MONTHS, START = 11, 150, 20, "2025-02-01"
LATE_CUSTOMER, LATE_INVOICE, LATE_LINE = "cus_late_parent", "in_late_parent", "il_late_parent"
STALE_OPEN_DEAL = "5999990"
LAYERS = ("staging", "intermediate", "marts")
# Build bookkeeping, not data: which as-of date the build before had, hence where it recomputed,
# and which run last decided a base row's fate.
BUILD_COLUMNS = {"previous_as_of_date", "recompute_from_month", "fate_computed_at"}
FLOAT_TOLERANCE = 1e-9

Row = tuple[Any, ...]


def _append_csv(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("a", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writerows(rows)


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def _invoice_before_its_customer(day1: Path) -> None:
    """Day 1 loads a paid one-off invoice and its line, dated on the latest invoice's day, of a
    customer only day 2 loads: the invoice is an orphan, and so its line."""
    billing = day1 / "billing"
    line = next(
        row
        for row in _csv_rows(billing / "invoice_line_items.csv")
        if row["line_type"] == "invoiceitem"
    )
    latest = max(_csv_rows(billing / "invoices.csv"), key=lambda row: row["created_at"])
    amount, at = line["amount"], latest["created_at"]
    _append_csv(
        billing / "invoices.csv",
        [
            {
                **latest,
                "invoice_id": LATE_INVOICE,
                "customer_id": LATE_CUSTOMER,
                "subscription_id": "",
                "status": "paid",
                "billing_reason": "manual",
                "period_start": at,
                "period_end": at,
                "subtotal": amount,
                "discount_total": "0",
                "tax": "0",
                "total": amount,
                "amount_paid": amount,
                "paid_at": at,
            }
        ],
    )
    _append_csv(
        billing / "invoice_line_items.csv",
        [
            {
                **line,
                "line_item_id": LATE_LINE,
                "invoice_id": LATE_INVOICE,
                "period_start": at,
                "period_end": at,
            }
        ],
    )


def _stale_open_deal(day1: Path) -> None:
    """Day 1 loads a deal open for a year, in a stage entered then: nothing about it is dated in
    the window, yet its days in that stage grow with every day's cutoff."""
    crm = day1 / "crm"
    deal = next(row for row in _csv_rows(crm / "deals.csv") if row["amount"])
    latest = max(row["created_at"] for row in _csv_rows(day1 / "billing" / "invoices.csv"))
    opened = f"{int(latest[:4]) - 1}{latest[4:10]} 09:00:00"
    _append_csv(
        crm / "deals.csv",
        [
            {
                **deal,
                "deal_id": STALE_OPEN_DEAL,
                "deal_stage": "qualifiedtobuy",
                "created_at": opened,
                "closed_at": "",
                "is_deleted": "false",
                "updated_at": opened,
            }
        ],
    )
    _append_csv(
        crm / "deal_stage_history.csv",
        [{"deal_id": STALE_OPEN_DEAL, "deal_stage": "qualifiedtobuy", "entered_at": opened}],
    )


def _customer_after_its_invoice(day2: Path) -> None:
    """Day 2 loads the customer: its invoice and, through it, the line are staged."""
    billing = day2 / "billing"
    invoice = next(
        row for row in _csv_rows(billing / "invoices.csv") if row["invoice_id"] == LATE_INVOICE
    )
    customer = _csv_rows(billing / "customers.csv")[0]
    _append_csv(
        billing / "customers.csv",
        [
            {
                **customer,
                "customer_id": LATE_CUSTOMER,
                "email": "billing@late-parent.example",
                "name": "Late Parent",
                "crm_company_id": "",
                "currency": invoice["currency"],
                "created_at": invoice["created_at"],
            }
        ],
    )


def _ragged_lines(raw_dir: Path, count: int) -> None:
    with (raw_dir / "billing" / "invoices.csv").open("a") as handle:
        for number in range(count):
            handle.write(f"in_ragged_{number},cus_000001\n")


def daily_raw_data(root: Path, ragged_lines: bool) -> tuple[Path, Path]:
    """Day 1's and day 2's raw directories under `root`. Ragged CSV lines only for an engine
    that reads the files itself (a loader's COPY rejects them before staging sees them)."""
    day1, day2 = root / "day1", root / "day2"
    generate = [sys.executable, "-m", "generator.raw_data", "--out", str(day1), "--quiet"]
    generate += ["--seed", str(SEED), "--customers", str(CUSTOMERS)]
    generate += ["--months", str(MONTHS), "--start", START]
    subprocess.run(generate, cwd=REPO, check=True, capture_output=True)
    _invoice_before_its_customer(day1)
    _stale_open_deal(day1)
    append = [sys.executable, "-m", "generator.append_day", "--raw-dir", str(day1)]
    subprocess.run([*append, "--out", str(day2)], cwd=REPO, check=True, capture_output=True)
    _customer_after_its_invoice(day2)
    if ragged_lines:
        _ragged_lines(day1, 1)
        _ragged_lines(day2, 2)
    return day1, day2


class Warehouse(Protocol):
    """What the comparison reads of a built warehouse."""

    def relations(self) -> list[str]:
        """`<schema>.<name>` of every table and view of the layers, sorted."""
        ...

    def rows(self, relation: str) -> tuple[list[str], list[Row]]:
        """The column names (build bookkeeping left out) and every row, in any order."""
        ...


class DuckDBWarehouse:
    def __init__(self, path: Path) -> None:
        self.path = path

    def relations(self) -> list[str]:
        layers = ", ".join(f"'{layer}'" for layer in LAYERS)
        with duckdb.connect(str(self.path), read_only=True) as con:
            rows = con.execute(
                "select schema_name || '.' || table_name from duckdb_tables() "
                f"where schema_name in ({layers}) "
                "union all select schema_name || '.' || view_name from duckdb_views() "
                f"where schema_name in ({layers}) order by 1"
            ).fetchall()
        return [name for (name,) in rows]

    def rows(self, relation: str) -> tuple[list[str], list[Row]]:
        with duckdb.connect(str(self.path), read_only=True) as con:
            described = con.execute(f"describe {relation}").fetchall()
            names = [name for name, *_ in described if name not in BUILD_COLUMNS]
            listed = ", ".join(f'"{name}"' for name in names)
            return names, con.execute(f"select {listed} from {relation}").fetchall()


class PostgresWarehouse:
    def __init__(self, connection: Any) -> None:
        self.connection = connection

    def relations(self) -> list[str]:
        with self.connection.cursor() as cursor:
            cursor.execute(
                "select table_schema || '.' || table_name from information_schema.tables "
                "where table_schema = any(%s) order by 1",
                (list(LAYERS),),
            )
            return [name for (name,) in cursor.fetchall()]

    def rows(self, relation: str) -> tuple[list[str], list[Row]]:
        schema, name = relation.split(".")
        with self.connection.cursor() as cursor:
            cursor.execute(
                "select column_name from information_schema.columns "
                "where table_schema = %s and table_name = %s order by ordinal_position",
                (schema, name),
            )
            names = [column for (column,) in cursor.fetchall() if column not in BUILD_COLUMNS]
            listed = ", ".join(f'"{column}"' for column in names)
            cursor.execute(f'select {listed} from "{schema}"."{name}"')
            return names, [tuple(row) for row in cursor.fetchall()]


def float_columns(*tables: list[Row]) -> set[int]:
    """The positions holding a float in any row of the tables."""
    return {
        i
        for rows in tables
        for row in rows
        for i, value in enumerate(row)
        if isinstance(value, float)
    }


def sorted_rows(rows: list[Row], floats: set[int]) -> list[Row]:
    """Sorted on the exact columns first, the float ones rounded, so float noise cannot reorder
    rows."""

    def key(row: Row) -> tuple:
        exact = tuple((v is None, str(v)) for i, v in enumerate(row) if i not in floats)
        rounded = tuple((row[i] is None, round(row[i] or 0.0, 6)) for i in sorted(floats))
        return exact + rounded

    return sorted(rows, key=key)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=FLOAT_TOLERANCE, abs_tol=FLOAT_TOLERANCE)
    return a == b


def differences(incremental: Warehouse, full: Warehouse) -> list[str]:
    """Relations whose rows differ between two warehouses (empty when equal)."""
    found: list[str] = []
    relations = full.relations()
    if incremental.relations() != relations:
        found.append("the two warehouses hold different relations")
    for relation in relations:
        names, full_rows = full.rows(relation)
        incremental_names, incremental_rows = incremental.rows(relation)
        if incremental_names != names:
            found.append(f"{relation}: columns {incremental_names}, full refresh {names}")
            continue
        if len(full_rows) != len(incremental_rows):
            found.append(f"{relation}: {len(incremental_rows)} rows, full refresh {len(full_rows)}")
            continue
        floats = float_columns(incremental_rows, full_rows)
        pairs = zip(sorted_rows(incremental_rows, floats), sorted_rows(full_rows, floats))
        for left, right in pairs:
            if not all(_same(a, b) for a, b in zip(left, right)):
                found.append(f"{relation}: {dict(zip(names, left))} != {dict(zip(names, right))}")
                break
    return found
