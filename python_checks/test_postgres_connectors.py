"""The connector shapes on PostgreSQL (opt-in with the other Postgres checks, REVOPS_POSTGRES=1):
the demo's `stripe/`, `hubspot/` and `salesforce/` tables loaded into schemas of those names as an
EL tool would (scripts/load_raw_to_postgres.py), then
- one `dbt build` reading Stripe and HubSpot (`billing_source: fivetran_stripe`, `crm_source:
  fivetran_hubspot`),
- one reading Salesforce with the demo org's custom fields (`crm_source: fivetran_salesforce`),
each green with every data and unit test, and every mart equal to the DuckDB build of the
contract's shape.

Each build runs in a database of its own (`<POSTGRES_DB>_connectors`, `<POSTGRES_DB>_salesforce`,
created by scripts/postgres_local.sh), so it never replaces the schemas another check reads.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from python_checks import engine_comparison
from python_checks.conftest import DEMO_RAW_DIR
from python_checks.dbt_runner import DbtRun
from python_checks.test_connector_shapes import SALESFORCE
from python_checks.test_postgres import (
    POSTGRES_OPT_IN,
    build_on_postgres,
    connect,
    database_of_its_own,
    load_raw,
    pg_env,
    pg_rows,
    postgres_mart_differences,
)

__all__ = ["pg_env"]

pytestmark = POSTGRES_OPT_IN


def own_database(pg_env: dict[str, str], suffix: str) -> dict[str, str]:
    """A database of its own with the demo's raw tables (every shape) loaded."""
    env = database_of_its_own(pg_env, suffix)
    loaded = load_raw(env, DEMO_RAW_DIR)
    assert {"stripe", "hubspot", "salesforce"} <= {table.schema for table in loaded}
    return env


@pytest.fixture(scope="module")
def connectors_env(pg_env: dict[str, str]) -> dict[str, str]:
    return own_database(pg_env, "connectors")


@pytest.fixture(scope="module")
def connectors_build(
    connectors_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> DbtRun:
    return build_on_postgres(
        connectors_env,
        tmp_path_factory.mktemp("postgres_connectors_build"),
        {"billing_source": "fivetran_stripe", "crm_source": "fivetran_hubspot"},
    )


@pytest.fixture(scope="module")
def salesforce_env(pg_env: dict[str, str]) -> dict[str, str]:
    return own_database(pg_env, "salesforce")


@pytest.fixture(scope="module")
def salesforce_build(
    salesforce_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> DbtRun:
    return build_on_postgres(
        salesforce_env, tmp_path_factory.mktemp("postgres_salesforce_build"), SALESFORCE
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


def test_salesforce_on_postgres_gives_the_contract_marts(
    salesforce_env: dict[str, str], salesforce_build: DbtRun, demo_warehouse: Path
) -> None:
    keys = engine_comparison.mart_keys(
        json.loads((salesforce_build.target_path / "manifest.json").read_text())
    )
    connection = connect(salesforce_env)
    try:
        differences = postgres_mart_differences(
            connection, demo_warehouse, keys, "Postgres Salesforce"
        )
        crm = {
            (row["source_table"], row["record_key"], row["quarantine_reason"])
            for row in pg_rows(
                connection,
                "select source_table, record_key, quarantine_reason"
                " from staging.stg_crm__quarantined_rows",
            )
        }
    finally:
        connection.close()
    assert differences == [], "\n".join(differences[:50])
    assert ("deals", "5999907", "company deleted") in crm
    assert ("deal_stage_history", "5999906", "orphan deal_id") in crm
