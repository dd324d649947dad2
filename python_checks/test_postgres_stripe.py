"""Stripe as Fivetran lands it, on PostgreSQL (opt-in with the other Postgres checks,
REVOPS_POSTGRES=1): the demo's `stripe/` tables loaded into a `stripe` schema as an EL tool would
(scripts/load_raw_to_postgres.py), `dbt build --vars '{billing_source: fivetran_stripe}'` green
with every data and unit test, and every mart equal to the DuckDB build of the contract's shape.

The build runs in a database of its own (`<POSTGRES_DB>_stripe`, created by
scripts/postgres_local.sh), so it never replaces the schemas test_postgres.py reads.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from python_checks import engine_comparison
from python_checks.conftest import DEMO_RAW_DIR
from python_checks.dbt_runner import REPO, DbtRun
from python_checks.engine_comparison import duckdb_mart, mart_differences
from python_checks.test_postgres import build_on_postgres, connect, pg_env, pg_rows

__all__ = ["pg_env"]

pytestmark = pytest.mark.skipif(
    os.environ.get("REVOPS_POSTGRES") != "1",
    reason="PostgreSQL checks are opt-in: set REVOPS_POSTGRES=1",
)


@pytest.fixture(scope="module")
def stripe_env(pg_env: dict[str, str]) -> dict[str, str]:
    """The connection environment for a database of its own, created when missing."""
    database = f"{pg_env.get('POSTGRES_DB', 'revops')}_stripe"
    subprocess.run(
        ["bash", str(REPO / "scripts" / "postgres_local.sh")],
        env={**os.environ, **pg_env, "POSTGRES_DB": database},
        capture_output=True,
        text=True,
        check=True,
    )
    return {**pg_env, "POSTGRES_DB": database}


@pytest.fixture(scope="module")
def stripe_build(stripe_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> DbtRun:
    from scripts.load_raw_to_postgres import load_raw_dir

    connection = connect(stripe_env)
    try:
        loaded = load_raw_dir(connection, DEMO_RAW_DIR)
    finally:
        connection.close()
    assert "stripe" in {table.schema for table in loaded}

    return build_on_postgres(
        stripe_env,
        tmp_path_factory.mktemp("postgres_stripe_build"),
        {"billing_source": "fivetran_stripe"},
    )


@pytest.fixture(scope="module")
def pg_stripe(stripe_env: dict[str, str], stripe_build: DbtRun) -> Iterator[Any]:
    connection = connect(stripe_env)
    connection.autocommit = True
    yield connection
    connection.close()


def test_the_stripe_shape_on_postgres_gives_the_contract_marts(
    pg_stripe: Any, stripe_build: DbtRun, demo_warehouse: Path
) -> None:
    keys = engine_comparison.mart_keys(
        json.loads((stripe_build.target_path / "manifest.json").read_text())
    )
    differences: list[str] = []
    for mart, key in sorted(keys.items()):
        columns, duck_rows = duckdb_mart(demo_warehouse, mart)
        postgres_rows = pg_rows(pg_stripe, f'select * from marts."{mart}"')
        assert postgres_rows, f"{mart} is empty on Postgres"
        assert list(postgres_rows[0]) == columns, f"{mart}: columns differ"
        differences += mart_differences(duck_rows, postgres_rows, mart, key, "Postgres Stripe")
    assert differences == [], "\n".join(differences[:50])


def test_stripe_bad_rows_are_quarantined_on_postgres(pg_stripe: Any) -> None:
    reasons = {
        (row["source_table"], row["record_key"]): row["quarantine_reason"]
        for row in pg_rows(
            pg_stripe,
            "select source_table, record_key, quarantine_reason"
            " from staging.stg_billing__quarantined_rows",
        )
    }
    assert reasons[("discount", "di_99999999")] == "orphan invoice line"
    assert reasons[("refunds", "re_999905")] == "charge without invoice"
