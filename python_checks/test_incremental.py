"""The daily incremental run equals a full refresh. A generated company is built in full; one more
day is appended (generator/append_day.py: renewals, a new customer, a cancellation, and late rows:
an invoice backdated into an earlier month, an invoice voided, a deal stage changed, contacts
changed and deleted); `dbt build` then runs incrementally on that warehouse (data tests included)
and every mart, intermediate and staging relation must equal a `--full-refresh` build of the same
raw data, row by row. The late rows must move an earlier month (else the check proves nothing),
and with no lookback window the incremental run must miss them (the window is what catches them).
"""

from __future__ import annotations

import math
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import duckdb
import pytest

from python_checks.dbt_runner import REPO, DbtRun, run_dbt

SEED, CUSTOMERS, MONTHS, START = 11, 150, 20, "2025-02-01"
INCREMENTAL_MODELS = (
    "intermediate/int_subscription_mrr_pieces",
    "intermediate/int_subscription_periods",
    "intermediate/int_customer_mrr_by_month",
    "intermediate/int_contact_funnel_stages",
    "marts/fct_mrr_movements",
)
FLOAT_TOLERANCE = 1e-9
# Build bookkeeping, not data: which as-of date the build before had, hence where it recomputed.
BUILD_COLUMNS = {"previous_as_of_date", "recompute_from_month"}
MODELS_ONLY = ["--exclude-resource-type", "test", "unit_test"]

Row = tuple[Any, ...]


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
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
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
    subprocess.run(
        [sys.executable, "-m", "generator.append_day", "--raw-dir", str(day1), "--out", str(day2)],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
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
    return {**paths, "target_incremental": root / "t_incremental"}


def test_incremental_run_equals_full_refresh_with_late_rows(builds: dict[str, Path]) -> None:
    for model in INCREMENTAL_MODELS:
        compiled = (
            builds["target_incremental"] / "run" / "revops_warehouse" / "models" / f"{model}.sql"
        )
        assert "delete from" in compiled.read_text(), f"{model} was rebuilt, not run incrementally"
    assert differences(builds["incremental"], builds["full"]) == []


def test_the_appended_day_moves_an_earlier_month(builds: dict[str, Path]) -> None:
    """The late rows change a month before the new day's month: the equality covers them."""
    day1_mrr = _rows(builds["day1"], "marts.kpi_mrr")[1]
    full_mrr = {row[0]: row for row in _rows(builds["full"], "marts.kpi_mrr")[1]}
    new_month = max(full_mrr)
    assert [row[0] for row in day1_mrr if row[0] < new_month and full_mrr.get(row[0]) != row]


def test_without_a_lookback_the_late_rows_are_missed(builds: dict[str, Path]) -> None:
    """The lookback window is what catches the late rows: with none, the incremental run keeps
    the backdated month as it was, and the comparison sees it."""
    found = differences(builds["no_lookback"], builds["full"])
    assert any(difference.startswith("marts.kpi_mrr") for difference in found), found
