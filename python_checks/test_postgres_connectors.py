"""The connector shapes on PostgreSQL (opt-in with the other Postgres checks, REVOPS_POSTGRES=1):
the demo's `stripe/` and `hubspot/` tables loaded into `stripe` and `hubspot` schemas as an EL tool
would (scripts/load_raw_to_postgres.py), one `dbt build` reading both (`billing_source:
fivetran_stripe`, `crm_source: fivetran_hubspot`) green with every data and unit test, and every
mart equal to the DuckDB build of the contract's shape.

The build runs in a database of its own (`<POSTGRES_DB>_connectors`, created by
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
from python_checks.test_postgres import (
    build_on_postgres,
    connect,
    pg_env,
    pg_rows,
    postgres_mart_differences,
)

__all__ = ["pg_env"]

pytestmark = pytest.mark.skipif(
    os.environ.get("REVOPS_POSTGRES") != "1",
    reason="PostgreSQL checks are opt-in: set REVOPS_POSTGRES=1",
)


@pytest.fixture(scope="module")
def connectors_env(pg_env: dict[str, str]) -> dict[str, str]:
    """The connection environment for a database of its own, created when missing."""
    database = f"{pg_env.get('POSTGRES_DB', 'revops')}_connectors"
    subprocess.run(
        ["bash", str(REPO / "scripts" / "postgres_local.sh")],
        env={**os.environ, **pg_env, "POSTGRES_DB": database},
        capture_output=True,
        text=True,
        check=True,
    )
    return {**pg_env, "POSTGRES_DB": database}


@pytest.fixture(scope="module")
def connectors_build(
    connectors_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> DbtRun:
    from scripts.load_raw_to_postgres import load_raw_dir

    connection = connect(connectors_env)
    try:
        loaded = load_raw_dir(connection, DEMO_RAW_DIR)
    finally:
        connection.close()
    assert {"stripe", "hubspot"} <= {table.schema for table in loaded}

    return build_on_postgres(
        connectors_env,
        tmp_path_factory.mktemp("postgres_connectors_build"),
        {"billing_source": "fivetran_stripe", "crm_source": "fivetran_hubspot"},
    )


@pytest.fixture(scope="module")
def pg_connectors(connectors_env: dict[str, str], connectors_build: DbtRun) -> Iterator[Any]:
    connection = connect(connectors_env)
    connection.autocommit = True
    yield connection
    connection.close()


def test_the_connector_shapes_on_postgres_give_the_contract_marts(
    pg_connectors: Any, connectors_build: DbtRun, demo_warehouse: Path
) -> None:
    keys = engine_comparison.mart_keys(
        json.loads((connectors_build.target_path / "manifest.json").read_text())
    )
    differences = postgres_mart_differences(
        pg_connectors, demo_warehouse, keys, "Postgres connectors"
    )
    assert differences == [], "\n".join(differences[:50])


def test_connector_bad_rows_are_quarantined_on_postgres(pg_connectors: Any) -> None:
    reasons = {
        (row["source_table"], row["record_key"]): row["quarantine_reason"]
        for row in pg_rows(
            pg_connectors,
            "select source_table, record_key, quarantine_reason"
            " from staging.stg_billing__quarantined_rows",
        )
    }
    assert reasons[("discount", "di_99999999")] == "orphan invoice line"
    assert reasons[("refunds", "re_999905")] == "charge without invoice"
    crm = {
        (row["source_table"], row["record_key"], row["quarantine_reason"])
        for row in pg_rows(
            pg_connectors,
            "select source_table, record_key, quarantine_reason"
            " from staging.stg_crm__quarantined_rows",
        )
    }
    assert ("deals", "5999905", "unknown pipeline") in crm
    assert ("deal_stage_history", "5999904", "orphan deal_id") in crm
