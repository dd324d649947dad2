"""The daily incremental run equals a full refresh. A generated company is built in full; one more
day is appended (generator/append_day.py: renewals, a new customer, a cancellation, and late rows:
an invoice backdated into an earlier month, an invoice voided, a deal stage changed, contacts
changed and deleted); `dbt build` then runs incrementally on that warehouse (data tests included)
and every mart, intermediate and staging relation must equal a `--full-refresh` build of the same
raw data, row by row. The late rows must move an earlier month (else the check proves nothing),
and with no lookback window the incremental run must miss them (the window is what catches them).

The base tables stage incrementally too (only the rows loaded since the last run, and the kept rows
whose fate those change), so the raw data carries the cases that change a kept row's fate: an
invoice and its line whose customer arrives a day late (orphans on day 1, staged on day 2, two
tables down), and ragged CSV lines on both days (renumbered after the rows read). Raw data
replaced instead of appended stops the run.
"""

from __future__ import annotations

import csv
import math
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import duckdb
import pytest

from python_checks.dbt_runner import REPO, DbtRun, compiled_test_sql, run_dbt

SEED, CUSTOMERS, MONTHS, START = 11, 150, 20, "2025-02-01"
INCREMENTAL_MODELS = (
    "intermediate/int_subscription_mrr_pieces",
    "intermediate/int_subscription_periods",
    "intermediate/int_customer_mrr_by_month",
    "intermediate/int_contact_funnel_stages",
    "marts/fct_mrr_movements",
)
FLOAT_TOLERANCE = 1e-9
# Build bookkeeping, not data: which as-of date the build before had, hence where it recomputed,
# and which run last decided a base row's fate.
BUILD_COLUMNS = {"previous_as_of_date", "recompute_from_month", "fate_computed_at"}
MODELS_ONLY = ["--exclude-resource-type", "test", "unit_test"]

Row = tuple[Any, ...]
LATE_CUSTOMER, LATE_INVOICE, LATE_LINE = "cus_late_parent", "in_late_parent", "il_late_parent"


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


def _ok(run: DbtRun) -> None:
    assert run.returncode == 0, run.output[-5000:]


def _relations(db: Path) -> list[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "select schema_name || '.' || table_name from duckdb_tables() "
            "where schema_name in ('staging', 'intermediate', 'marts') "
            "union all select schema_name || '.' || view_name from duckdb_views() "
            "where schema_name in ('staging', 'intermediate', 'marts') order by 1"
        ).fetchall()
    return [name for (name,) in rows]


def _rows(db: Path, relation: str) -> tuple[list[str], list[Row]]:
    """Every row, sorted on the exact columns first, so float noise cannot reorder rows."""
    with duckdb.connect(str(db), read_only=True) as con:
        columns = [
            column
            for column in con.execute(f"describe {relation}").fetchall()
            if column[0] not in BUILD_COLUMNS
        ]
        listed = ", ".join(f'"{name}"' for name, *_ in columns)
        rows = con.execute(f"select {listed} from {relation}").fetchall()
    names = [name for name, *_ in columns]
    floats = [i for i, (_, kind, *_) in enumerate(columns) if kind in ("DOUBLE", "FLOAT")]

    def key(row: Row) -> tuple:
        exact = tuple((v is None, str(v)) for i, v in enumerate(row) if i not in floats)
        rounded = tuple((row[i] is None, round(row[i] or 0.0, 6)) for i in floats)
        return exact + rounded

    return names, sorted(rows, key=key)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=FLOAT_TOLERANCE, abs_tol=FLOAT_TOLERANCE)
    return a == b


def differences(incremental: Path, full: Path) -> list[str]:
    """Relations whose rows differ between two warehouses (empty when equal)."""
    found: list[str] = []
    relations = _relations(full)
    if _relations(incremental) != relations:
        found.append("the two warehouses hold different relations")
    for relation in relations:
        names, full_rows = _rows(full, relation)
        _, incremental_rows = _rows(incremental, relation)
        if len(full_rows) != len(incremental_rows):
            found.append(f"{relation}: {len(incremental_rows)} rows, full refresh {len(full_rows)}")
            continue
        for left, right in zip(incremental_rows, full_rows):
            if not all(_same(a, b) for a, b in zip(left, right)):
                found.append(f"{relation}: {dict(zip(names, left))} != {dict(zip(names, right))}")
                break
    return found


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Day 1 raw data built in full; day 2 (day 1 + one appended day) built three ways: a full
    refresh, the daily incremental `dbt build` (data tests included) on top of day 1's warehouse,
    and the same incremental run with no lookback. Independent builds run two at a time."""
    root = tmp_path_factory.mktemp("incremental")
    day1, day2 = root / "day1", root / "day2"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "generator.raw_data",
            "--out",
            str(day1),
            "--seed",
            str(SEED),
            "--customers",
            str(CUSTOMERS),
            "--months",
            str(MONTHS),
            "--start",
            START,
            "--quiet",
        ],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    _invoice_before_its_customer(day1)
    subprocess.run(
        [sys.executable, "-m", "generator.append_day", "--raw-dir", str(day1), "--out", str(day2)],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    _customer_after_its_invoice(day2)
    _ragged_lines(day1, 1)
    _ragged_lines(day2, 2)
    paths = {
        name: root / f"{name}.duckdb" for name in ("day1", "full", "incremental", "no_lookback")
    }
    with ThreadPoolExecutor(max_workers=2) as pool:
        first = [
            pool.submit(
                run_dbt, ["build", *MODELS_ONLY], paths["day1"], root / "t_day1", raw_dir=day1
            ),
            pool.submit(
                run_dbt,
                ["build", "--full-refresh", *MODELS_ONLY],
                paths["full"],
                root / "t_full",
                raw_dir=day2,
            ),
        ]
        for future in first:
            _ok(future.result())
        shutil.copy(paths["day1"], paths["incremental"])
        shutil.copy(paths["day1"], paths["no_lookback"])
        second = [
            pool.submit(
                run_dbt,
                ["build", "--exclude-resource-type", "unit_test"],
                paths["incremental"],
                root / "t_incremental",
                raw_dir=day2,
                # As make build runs a daily build: data tests read the rows it touched (D40).
                extra_env={"DBT_DATA_TEST_SCOPE": "touched"},
            ),
            pool.submit(
                run_dbt,
                ["build", *MODELS_ONLY, "--vars", "{incremental_lookback_months: 0}"],
                paths["no_lookback"],
                root / "t_no_lookback",
                raw_dir=day2,
            ),
        ]
        for future in second:
            _ok(future.result())
    return {
        **paths,
        "target_incremental": root / "t_incremental",
        "day2_raw": day2,
        "root": root,
    }


def test_incremental_run_equals_full_refresh_with_late_rows(builds: dict[str, Any]) -> None:
    run = builds["target_incremental"] / "run" / "revops_warehouse" / "models"
    for model in INCREMENTAL_MODELS:
        compiled = run / f"{model}.sql"
        assert "delete from" in compiled.read_text(), f"{model} was rebuilt, not run incrementally"
    base_tables = sorted(run.glob("staging/*/base/base_*.sql"))
    assert len(base_tables) == 13
    for executed in base_tables:
        assert "delete from" in executed.read_text(), executed.name
        compiled = Path(str(executed).replace("/run/", "/compiled/", 1)).read_text()
        assert "where raw_row_number >" in compiled, f"{executed.name} staged every raw row"
    assert differences(builds["incremental"], builds["full"]) == []


def _fates(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_the_day_changes_fates_of_rows_kept_from_day_1(builds: dict[str, Any]) -> None:
    """Else the equality above would not cover re-staging kept rows: the customer loaded on day 2
    stages its invoice kept from day 1, and that invoice the line two tables down."""
    for table, key, value, reason in (
        ("invoices", "invoice_id", LATE_INVOICE, "orphan customer_id"),
        ("invoice_line_items", "line_item_id", LATE_LINE, "orphan invoice_id"),
    ):
        fate = (
            f"select row_status, quarantine_reason from staging.base_billing__{table} "
            f"where {key} = '{value}'"
        )
        assert _fates(builds["day1"], fate) == [("quarantined", reason)]
        assert _fates(builds["incremental"], fate) == [("staged", None)]
    rejected = (
        "select raw_row_number, raw_line, quarantine_reason from staging.base_billing__invoices "
        "where raw_file is not null order by raw_line"
    )
    kept = _fates(builds["incremental"], rejected)
    assert [reason for *_, reason in kept] == ["wrong number of fields"] * 2
    assert kept == _fates(builds["full"], rejected)


def test_raw_data_replaced_instead_of_appended_stops_the_run(builds: dict[str, Any]) -> None:
    """Customers re-written in another order: the row at the last load order is not the one
    staged there, so the incremental run stops and says to build in full."""
    root: Path = builds["root"]
    replaced = root / "replaced"
    shutil.copytree(builds["day2_raw"], replaced)
    customers = replaced / "billing" / "customers.csv"
    header, *rows = customers.read_text().splitlines()
    customers.write_text("\n".join([header, *reversed(rows)]) + "\n")
    shutil.copy(builds["incremental"], root / "replaced.duckdb")
    run = run_dbt(
        ["run", "--select", "+base_billing__customers"],
        root / "replaced.duckdb",
        root / "t_replaced",
        raw_dir=replaced,
    )
    assert run.returncode != 0
    assert "base_billing__customers: raw row" in run.output
    assert "FULL_REFRESH=1" in run.output


def test_daily_data_tests_read_the_rows_the_run_touched(builds: dict[str, Any]) -> None:
    """An incremental model's tests read its window, widened to whole keys for uniqueness unless
    the key fixes the window's column; a base table's and a `stg_` view's the rows the latest
    staging run re-staged; a table rebuilt every run is read whole."""
    target: Path = builds["target_incremental"]
    movements = "marts/fct_mrr_movements.yml"
    dated = compiled_test_sql(target, movements, "unique_fct_mrr_movements")
    assert "recompute_from_month" in dated and "touched_rows" not in dated
    pieces = compiled_test_sql(
        target, "intermediate/int_subscription_mrr_pieces.yml", "unique_int_subscription_mrr"
    )
    assert "recompute_from_month" in pieces and "touched_rows.line_item_id" in pieces
    billing = "staging/billing/_billing__models.yml"
    fates = compiled_test_sql(target, billing, "row_fates_are_sound_base_billing__invoices")
    assert "max(fate_computed_at)" in fates
    view = compiled_test_sql(target, billing, "unique_stg_billing__invoices_invoice_id")
    assert "max(fate_computed_at)" in view and "touched_rows.invoice_id" in view
    customers = compiled_test_sql(target, "marts/dim_customers.yml", "unique_dim_customers")
    assert "touched_rows" not in customers


def _test_run(db: Path, target: Path, select: str, scope: str) -> DbtRun:
    return run_dbt(
        ["test", "--select", select],
        db,
        target,
        extra_env={"DBT_DATA_TEST_SCOPE": scope},
    )


# A touched row copied as a kept one (same key): into a model, dated before the window; into a
# base table, with an earlier fate (its `stg_` view shows both).
KEPT_COPIES = {
    "model": (
        "intermediate.int_subscription_mrr_pieces",
        "piece_start_at",
        "(select min(piece_start_at) from intermediate.int_subscription_mrr_pieces)",
        "piece_start_at >= (select recompute_from_month from intermediate.int_reporting_period)",
        "unique_int_subscription_mrr_pieces_line_item_id",
    ),
    "stg view": (
        "staging.base_billing__invoices",
        "fate_computed_at",
        "(select min(fate_computed_at) from staging.base_billing__invoices)",
        "row_status = 'staged' and fate_computed_at = "
        "(select max(fate_computed_at) from staging.base_billing__invoices)",
        "unique_stg_billing__invoices_invoice_id",
    ),
}


@pytest.mark.parametrize("case", sorted(KEPT_COPIES))
def test_a_duplicate_of_a_kept_row_is_found_by_the_scoped_test(
    builds: dict[str, Any], case: str
) -> None:
    """A touched row and a kept row with one key: the scoped unique test reads every row of the
    touched keys, so it finds the pair."""
    relation, column, kept_value, touched, test = KEPT_COPIES[case]
    root: Path = builds["root"]
    db = root / f"duplicate_{case.replace(' ', '_')}.duckdb"
    shutil.copy(builds["incremental"], db)
    with duckdb.connect(str(db)) as con:
        columns = [row[0] for row in con.execute(f"describe {relation}").fetchall()]
        replaced = {
            column: kept_value,
            "raw_row_number": f"(select max(raw_row_number) + 1 from {relation})",
        }
        picked = ", ".join(replaced.get(name, name) for name in columns)
        con.execute(
            f"insert into {relation} select {picked} from {relation} "
            f"where {touched} order by all limit 1"
        )
    run = _test_run(db, root / f"t_duplicate_{case.replace(' ', '_')}", test, "touched")
    assert run.returncode != 0 and "Got 1 result" in run.output, run.output[-3000:]


# A kept row broken outside the build, outside the scope: set to null where a test forbids it.
BROKEN_KEPT = {
    "model": (
        "update intermediate.int_customer_mrr_by_month set movement = null "
        "where month = (select min(month) from intermediate.int_customer_mrr_by_month)",
        "int_customer_mrr_by_month,test_name:not_null_columns",
        "not_null_columns_int_customer_mrr_by_month",
    ),
    "stg view": (
        "update staging.base_billing__invoices set created_at = null where row_status = 'staged' "
        "and fate_computed_at = (select min(fate_computed_at) from staging.base_billing__invoices)",
        "stg_billing__invoices,test_name:not_null_columns",
        "not_null_columns_stg_billing__invoices",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN_KEPT))
def test_a_broken_kept_row_waits_for_the_full_check(builds: dict[str, Any], case: str) -> None:
    """A kept row outside the scope is not read by the scoped tests (the scope is real), and
    `all` (the full refresh's check) reads it."""
    statement, select, failing = BROKEN_KEPT[case]
    root: Path = builds["root"]
    name = case.replace(" ", "_")
    db = root / f"broken_kept_{name}.duckdb"
    shutil.copy(builds["incremental"], db)
    with duckdb.connect(str(db)) as con:
        con.execute(statement)
    _ok(_test_run(db, root / f"t_kept_touched_{name}", select, "touched"))
    full = _test_run(db, root / f"t_kept_all_{name}", select, "all")
    assert full.returncode != 0, full.output[-3000:]
    assert f"Failure in test {failing}" in full.output


def test_the_appended_day_moves_an_earlier_month(builds: dict[str, Any]) -> None:
    """The late rows change a month before the new day's month: the equality covers them."""
    day1_mrr = _rows(builds["day1"], "marts.kpi_mrr")[1]
    full_mrr = {row[0]: row for row in _rows(builds["full"], "marts.kpi_mrr")[1]}
    new_month = max(full_mrr)
    assert [row[0] for row in day1_mrr if row[0] < new_month and full_mrr.get(row[0]) != row]


def test_without_a_lookback_the_late_rows_are_missed(builds: dict[str, Any]) -> None:
    """The lookback window is what catches the late rows: with none, the incremental run keeps
    the backdated month as it was, and the comparison sees it."""
    found = differences(builds["no_lookback"], builds["full"])
    assert any(difference.startswith("marts.kpi_mrr") for difference in found), found
