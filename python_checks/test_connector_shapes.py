"""The connector shapes give the marts the raw contract gives, for the same company.

The demo company is committed in every shape: the contract's (`data/demo/{crm,billing,finance}`),
Stripe's (`data/demo/stripe/`) and HubSpot's (`data/demo/hubspot/`), as Fivetran lands them (the
generator writes all three). Compared with the demo build of the contract's shape (the one
`make test` builds):
- `connectors`: `billing_source: fivetran_stripe` and `crm_source: fivetran_hubspot`, with every
  data and unit test (the adapters' unit tests run only when their shape is selected);
- `legacy`: Stripe's legacy `plan` table and no history mode (`stripe__using_price: false`,
  `stripe__using_subscription_history: false`), marts only.
Every mart must be equal row by row; every connector row must be accounted for.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from python_checks.dbt_runner import REPO, DbtRun, query, run_dbt
from python_checks.engine_comparison import warehouse_mart_differences

DEMO = REPO / "data" / "demo"
CONNECTORS = {"billing_source": "fivetran_stripe", "crm_source": "fivetran_hubspot"}
LEGACY = {
    "billing_source": "fivetran_stripe",
    "stripe__using_price": False,
    "stripe__using_subscription_history": False,
}
MARTS_ONLY = ["build", "--exclude-resource-type", "test", "unit_test"]


def build(workdir: Path, args: list[str]) -> DbtRun:
    run = run_dbt(args, workdir / "warehouse.duckdb", workdir / "target", raw_dir=DEMO)
    assert run.returncode == 0, run.output[-5000:]
    return run


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("connector_shapes")
    build(root / "connectors", ["build", "--vars", json.dumps(CONNECTORS)])
    build(root / "legacy", [*MARTS_ONLY, "--vars", json.dumps(LEGACY)])
    return {name: root / name / "warehouse.duckdb" for name in ("connectors", "legacy")}


def csv_rows(folder: str, table: str) -> int:
    with (DEMO / folder / f"{table}.csv").open(newline="") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


def test_stripe_and_hubspot_give_the_contract_marts(
    builds: dict[str, Path], demo_warehouse: Path
) -> None:
    differences = warehouse_mart_differences(
        demo_warehouse, builds["connectors"], "Stripe and HubSpot"
    )
    assert not differences, "\n".join(differences[:40])


def test_the_legacy_plan_and_current_state_tables_give_the_same_marts(
    builds: dict[str, Path], demo_warehouse: Path
) -> None:
    differences = warehouse_mart_differences(demo_warehouse, builds["legacy"], "legacy Stripe")
    assert not differences, "\n".join(differences[:40])


@pytest.mark.parametrize(
    ("folder", "table", "base_model"),
    [
        ("stripe", "customer", "base_billing__customers"),
        ("stripe", "price", "base_billing__prices"),
        ("stripe", "subscription_history", "base_billing__subscriptions"),
        ("stripe", "invoice", "base_billing__invoices"),
        ("stripe", "invoice_line_item", "base_billing__invoice_line_items"),
        ("stripe", "refund", "base_billing__refunds"),
        ("stripe", "discount", "base_stripe__line_discounts"),
        ("hubspot", "contact", "base_crm__contacts"),
        ("hubspot", "company", "base_crm__companies"),
        ("hubspot", "deal", "base_crm__deals"),
        ("hubspot", "deal_stage", "base_crm__deal_stage_history"),
        ("hubspot", "owner", "base_crm__owners"),
    ],
)
def test_every_connector_row_has_one_fate(
    builds: dict[str, Path], folder: str, table: str, base_model: str
) -> None:
    """Counted from the file, independently of the adapters: each raw row is one base row."""
    fates = dict(
        query(
            builds["connectors"],
            f"select row_status, count(*) from staging.{base_model} group by row_status",
        )
    )
    assert sum(fates.values()) == csv_rows(folder, table), fates
    assert set(fates) <= {"staged", "duplicate", "test_mode", "deleted", "quarantined"}


def quarantined(warehouse: Path, source: str) -> set[tuple[str, str, str]]:
    return set(
        query(
            warehouse,
            "select source_table, record_key, quarantine_reason"
            f" from staging.stg_{source}__quarantined_rows",
        )
    )


def test_connector_bad_rows_reach_quarantine_with_their_reason(builds: dict[str, Path]) -> None:
    billing = quarantined(builds["connectors"], "billing")
    assert ("discount", "di_99999999", "orphan invoice line") in billing
    assert ("refunds", "re_999905", "charge without invoice") in billing
    crm = quarantined(builds["connectors"], "crm")
    assert ("deals", "5999905", "unknown pipeline") in crm
    assert ("deal_stage_history", "5999904", "orphan deal_id") in crm
    assert any(
        table == "deal_stage_history" and reason == "unknown deal_stage" for table, _, reason in crm
    )


def test_test_mode_objects_never_count(builds: dict[str, Path], demo_warehouse: Path) -> None:
    """Stripe test-mode objects are test-mode in staging whether they carry livemode (invoices)
    or inherit it, as many as the contract's test-mode customers and their invoices."""
    sql = (
        "select 'customers', count(*) from staging.base_billing__customers"
        " where row_status = 'test_mode'"
        " union all select 'invoices', count(*) from staging.base_billing__invoices"
        " where row_status = 'test_mode'"
    )
    test_mode = dict(query(builds["connectors"], sql))
    assert test_mode == dict(query(demo_warehouse, sql))
    assert test_mode["customers"] > 0


def test_both_crm_link_rules_are_at_work(builds: dict[str, Path]) -> None:
    """The Stripe demo links customers by metadata and, without it, by e-mail domain."""
    rules = dict(
        query(
            builds["connectors"],
            "select coalesce(crm_link_rule, 'none'), count(*)"
            " from intermediate.int_customer_crm_links group by 1",
        )
    )
    assert rules["billing_system"] > 0
    assert rules["email_domain"] > 0
