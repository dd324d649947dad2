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
replaced instead of appended stops the run. The two days and the comparison are
python_checks/daily_runs.py; test_postgres_incremental.py runs the same check on PostgreSQL.
"""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import duckdb
import pytest

from python_checks import daily_runs
from python_checks.daily_runs import (
    LATE_INVOICE,
    LATE_LINE,
    DuckDBWarehouse,
    Row,
    daily_raw_data,
    float_columns,
    sorted_rows,
)
from python_checks.dbt_runner import DbtRun, compiled_test_sql, copy_warehouse, run_dbt

INCREMENTAL_MODELS = (
    "intermediate/int_subscription_mrr_pieces",
    "intermediate/int_subscription_periods",
    "intermediate/int_customer_mrr_by_month",
    "intermediate/int_mrr_by_month",
    "intermediate/int_contact_funnel_stages",
    "intermediate/int_deals_enriched",
    "marts/fct_mrr_movements",
)
MODELS_ONLY = ["--exclude-resource-type", "test", "unit_test"]
WAREHOUSE = "warehouse.duckdb"


def _ok(run: DbtRun) -> None:
    assert run.returncode == 0, run.output[-5000:]


def differences(incremental: Path, full: Path) -> list[str]:
    return daily_runs.differences(DuckDBWarehouse(incremental), DuckDBWarehouse(full))


def _rows(db: Path, relation: str) -> list[Row]:
    rows = DuckDBWarehouse(db).rows(relation)[1]
    return sorted_rows(rows, float_columns(rows))


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Day 1 raw data built in full; day 2 (day 1 + one appended day) built three ways: a full
    refresh, the daily incremental `dbt build` (data tests included) on top of day 1's warehouse,
    and the same incremental run with no lookback. Independent builds run two at a time."""
    root = tmp_path_factory.mktemp("incremental")
    day1, day2 = daily_raw_data(root, ragged_lines=True)
    # One file name in folders of their own: dbt's saved parse is keyed on the file's path,
    # which run_dbt makes the same for the same name (python_checks/dbt_runner.py).
    paths = {name: root / f"{name}_db" / WAREHOUSE for name in ("day1", "full")}
    for built in paths.values():
        built.parent.mkdir()
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
        for copy in ("incremental", "no_lookback"):
            paths[copy] = copy_warehouse(paths["day1"], root / f"{copy}_db")
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


def test_the_day_changes_deals_closed_before_the_window(builds: dict[str, Any]) -> None:
    """Else the equality above would not cover the deals recomputed for a changed row rather than
    a date: a deal won long ago is deleted (its row must go) and a lost one's amount corrected,
    neither with a new `updated_at`."""
    window = "select recompute_from_month from intermediate.int_reporting_period"
    (recompute_from,) = _fates(builds["day1"], window)[0]
    closed = (
        "select deal_id, deal_status, amount from intermediate.int_deals_enriched "
        f"where closed_at < date '{recompute_from}'"
    )
    updated = "select deal_id, updated_at from staging.stg_crm__deals"
    # The deals whose updated_at the day left as it was (another deal of the day is reopened).
    same_updated_at = set(_fates(builds["day1"], updated)) & set(_fates(builds["full"], updated))
    kept = {deal_id for deal_id, _ in same_updated_at}
    before = {deal_id: row for deal_id, *row in _fates(builds["day1"], closed) if deal_id in kept}
    after = {deal_id: row for deal_id, *row in _fates(builds["full"], closed) if deal_id in kept}
    gone = set(before) - set(after)
    assert [before[deal_id][0] for deal_id in gone] == ["won"]
    changed = {
        deal_id: (before[deal_id][1], row[1])
        for deal_id, row in after.items()
        if deal_id in before and row != before[deal_id]
    }
    assert [new - old for old, new in changed.values()] == [100], changed


def test_raw_data_replaced_instead_of_appended_stops_the_run(builds: dict[str, Any]) -> None:
    """Customers re-written in another order: the row at the last load order is not the one
    staged there, so the incremental run stops and says to build in full."""
    root: Path = builds["root"]
    replaced = root / "replaced"
    shutil.copytree(builds["day2_raw"], replaced)
    customers = replaced / "billing" / "customers.csv"
    header, *rows = customers.read_text().splitlines()
    customers.write_text("\n".join([header, *reversed(rows)]) + "\n")
    db = copy_warehouse(builds["incremental"], root / "replaced_db")
    run = run_dbt(
        ["run", "--select", "+base_billing__customers"],
        db,
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
    semantic = "semantic/_semantic__models.yml"
    semantic_view = compiled_test_sql(target, semantic, "unique_sem_customer_mrr_by_month")
    assert "recompute_from_month" in semantic_view and "touched_rows" not in semantic_view
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
    db = copy_warehouse(builds["incremental"], root / f"duplicate_{case.replace(' ', '_')}")
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


# A kept row broken outside the build, outside the scope: set to null where a test forbids it
# (the statement, and the test that forbids it).
BROKEN_KEPT = {
    "model": (
        "update intermediate.int_customer_mrr_by_month set movement = null "
        "where month = (select min(month) from intermediate.int_customer_mrr_by_month)",
        "int_customer_mrr_by_month_row_rules",
    ),
    "stg view": (
        "update staging.base_billing__invoices set created_at = null where row_status = 'staged' "
        "and fate_computed_at = (select min(fate_computed_at) from staging.base_billing__invoices)",
        "stg_billing__invoices_row_rules",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN_KEPT))
def test_a_broken_kept_row_waits_for_the_full_check(builds: dict[str, Any], case: str) -> None:
    """A kept row outside the scope is not read by the scoped tests (the scope is real), and
    `all` (the full refresh's check) reads it."""
    statement, test = BROKEN_KEPT[case]
    root: Path = builds["root"]
    name = case.replace(" ", "_")
    db = copy_warehouse(builds["incremental"], root / f"broken_kept_{name}")
    with duckdb.connect(str(db)) as con:
        con.execute(statement)
    _ok(_test_run(db, root / f"t_kept_touched_{name}", test, "touched"))
    full = _test_run(db, root / f"t_kept_all_{name}", test, "all")
    assert full.returncode != 0, full.output[-3000:]
    assert f"Failure in test {test}" in full.output


def test_the_appended_day_moves_an_earlier_month(builds: dict[str, Any]) -> None:
    """The late rows change a month before the new day's month: the equality covers them."""
    day1_mrr = _rows(builds["day1"], "marts.kpi_mrr")
    full_mrr = {row[0]: row for row in _rows(builds["full"], "marts.kpi_mrr")}
    new_month = max(full_mrr)
    assert [row[0] for row in day1_mrr if row[0] < new_month and full_mrr.get(row[0]) != row]


def test_without_a_lookback_the_late_rows_are_missed(builds: dict[str, Any]) -> None:
    """The lookback window is what catches the late rows: with none, the incremental run keeps
    the backdated month as it was, and the comparison sees it."""
    found = differences(builds["no_lookback"], builds["full"])
    assert any(difference.startswith("marts.kpi_mrr") for difference in found), found
