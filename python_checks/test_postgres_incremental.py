"""The daily run equals a full refresh on PostgreSQL too (opt-in with the other Postgres checks,
REVOPS_POSTGRES=1). The two days of python_checks/daily_runs.py, loaded as an EL tool would:
- database `<POSTGRES_DB>_daily`: day 1 built in full, then day 2 loaded over it and the daily
  `dbt build` (the incremental models recompute their window; data tests scoped to the touched
  rows, as `make build` runs them);
- database `<POSTGRES_DB>_full_refresh`: day 2 built with `--full-refresh`;
and every staging, intermediate and mart relation of the two is equal, row by row.

On Postgres the staging base tables are rebuilt each run (the load-order watermark is the
contract shape's on DuckDB); the seven incremental models run their recompute strategy here.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from python_checks.daily_runs import PostgresWarehouse, daily_raw_data, differences
from python_checks.dbt_runner import DbtRun
from python_checks.test_incremental import INCREMENTAL_MODELS
from python_checks.test_postgres import (
    POSTGRES_OPT_IN,
    build_on_postgres,
    connect,
    database_of_its_own,
    load_raw,
    pg_env,
)

__all__ = ["pg_env"]

pytestmark = POSTGRES_OPT_IN

WITHOUT_UNIT_TESTS = ("--exclude-resource-type", "unit_test")


@pytest.fixture(scope="module")
def daily_build(
    pg_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Any, Any, DbtRun]]:
    """Connections to the daily and the full-refresh warehouse, and the daily run."""
    root = tmp_path_factory.mktemp("postgres_incremental")
    day1, day2 = daily_raw_data(root, ragged_lines=False)
    daily = database_of_its_own(pg_env, "daily")
    full = database_of_its_own(pg_env, "full_refresh")
    load_raw(daily, day1)
    load_raw(full, day2)
    with ThreadPoolExecutor(max_workers=2) as pool:
        builds = [
            pool.submit(
                build_on_postgres,
                daily,
                root / "build_day1",
                {},
                ("--full-refresh", "--exclude-resource-type", "test", "unit_test"),
            ),
            pool.submit(
                build_on_postgres,
                full,
                root / "build_full",
                {},
                ("--full-refresh", *WITHOUT_UNIT_TESTS),
            ),
        ]
        for build in builds:
            build.result()
    load_raw(daily, day2)
    run = build_on_postgres(
        daily,
        root / "build_daily",
        {},
        WITHOUT_UNIT_TESTS,
        # As make build runs a daily build: data tests read the rows it touched (D40).
        extra_env={"DBT_DATA_TEST_SCOPE": "touched"},
    )
    daily_connection, full_connection = connect(daily), connect(full)
    yield daily_connection, full_connection, run
    daily_connection.close()
    full_connection.close()


def test_daily_run_on_postgres_equals_full_refresh(daily_build: tuple[Any, Any, DbtRun]) -> None:
    daily, full, run = daily_build
    executed = run.target_path / "run" / "revops_warehouse" / "models"
    for model in INCREMENTAL_MODELS:
        compiled = (executed / f"{model}.sql").read_text()
        assert "delete from" in compiled, f"{model} was rebuilt, not run incrementally"
    found = differences(PostgresWarehouse(daily), PostgresWarehouse(full))
    assert found == [], "\n".join(found[:20])


def test_the_day_moved_rows_on_postgres(daily_build: tuple[Any, Any, DbtRun]) -> None:
    """The comparison is not of two empty or unchanged warehouses: the daily run read day 2."""
    daily, _, _ = daily_build
    warehouse = PostgresWarehouse(daily)
    _, invoices = warehouse.rows("staging.stg_billing__invoices")
    assert any("in_late_parent" in row for row in invoices)
    _, mrr = warehouse.rows("marts.kpi_mrr")
    assert len(mrr) > 12
