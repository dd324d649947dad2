"""Stripe as Fivetran lands it gives the marts the raw contract gives, for the same company.

The demo company is committed in both shapes (`data/demo/billing/` and `data/demo/stripe/`, the
generator writes both). Three builds of the same RAW_DATA_DIR:
- `contract`: the default, `billing_source: contract`;
- `stripe`: `billing_source: fivetran_stripe`, with every data and unit test (the Stripe
  adapters' unit tests run only when that shape is selected);
- `stripe_legacy`: the same with the legacy `plan` table and no history mode
  (`stripe__using_price: false`, `stripe__using_subscription_history: false`).
Every mart must be equal row by row; every Stripe row must be accounted for.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from python_checks.dbt_runner import REPO, DbtRun, query, run_dbt
from python_checks.engine_comparison import warehouse_mart_differences

DEMO = REPO / "data" / "demo"
STRIPE = {"billing_source": "fivetran_stripe"}
LEGACY = {**STRIPE, "stripe__using_price": False, "stripe__using_subscription_history": False}
MARTS_ONLY = ["build", "--exclude-resource-type", "test", "unit_test"]


def build(workdir: Path, args: list[str]) -> DbtRun:
    run = run_dbt(args, workdir / "warehouse.duckdb", workdir / "target", raw_dir=DEMO)
    assert run.returncode == 0, run.output[-5000:]
    return run


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("fivetran_stripe")
    build(root / "contract", MARTS_ONLY)
    build(root / "stripe", ["build", "--vars", json.dumps(STRIPE)])
    build(root / "stripe_legacy", [*MARTS_ONLY, "--vars", json.dumps(LEGACY)])
    names = ("contract", "stripe", "stripe_legacy")
    return {name: root / name / "warehouse.duckdb" for name in names}


def csv_rows(table: str) -> int:
    with (DEMO / "stripe" / f"{table}.csv").open(newline="") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


def test_the_stripe_shape_gives_the_contract_marts(builds: dict[str, Path]) -> None:
    differences = warehouse_mart_differences(
        builds["contract"], builds["stripe"], "the Stripe shape"
    )
    assert not differences, "\n".join(differences[:40])


def test_the_legacy_plan_and_current_state_tables_give_the_same_marts(
    builds: dict[str, Path],
) -> None:
    differences = warehouse_mart_differences(
        builds["contract"], builds["stripe_legacy"], "the Stripe shape"
    )
    assert not differences, "\n".join(differences[:40])


@pytest.mark.parametrize(
    ("stripe_table", "base_model"),
    [
        ("customer", "base_billing__customers"),
        ("price", "base_billing__prices"),
        ("subscription_history", "base_billing__subscriptions"),
        ("invoice", "base_billing__invoices"),
        ("invoice_line_item", "base_billing__invoice_line_items"),
        ("refund", "base_billing__refunds"),
        ("discount", "base_stripe__line_discounts"),
    ],
)
def test_every_stripe_row_has_one_fate(
    builds: dict[str, Path], stripe_table: str, base_model: str
) -> None:
    """Counted from the file, independently of the adapters: each raw row is one base row."""
    fates = dict(
        query(
            builds["stripe"],
            f"select row_status, count(*) from staging.{base_model} group by row_status",
        )
    )
    assert sum(fates.values()) == csv_rows(stripe_table), fates
    assert set(fates) <= {"staged", "duplicate", "test_mode", "deleted", "quarantined"}


def test_stripe_bad_rows_reach_quarantine_with_their_reason(builds: dict[str, Path]) -> None:
    reasons = {
        (table, key): reason
        for table, key, reason in query(
            builds["stripe"],
            "select source_table, record_key, quarantine_reason"
            " from staging.stg_billing__quarantined_rows",
        )
    }
    assert reasons[("discount", "di_99999999")] == "orphan invoice line"
    assert reasons[("refunds", "re_999905")] == "charge without invoice"


def test_test_mode_objects_never_count(builds: dict[str, Path]) -> None:
    """Stripe test-mode objects are test-mode in staging whether they carry livemode (invoices)
    or inherit it (refunds through their charge, lines through their invoice)."""
    test_mode = dict(
        query(
            builds["stripe"],
            "select 'customers', count(*) from staging.base_billing__customers"
            " where row_status = 'test_mode'"
            " union all select 'invoices', count(*) from staging.base_billing__invoices"
            " where row_status = 'test_mode'",
        )
    )
    contract = dict(
        query(
            builds["contract"],
            "select 'customers', count(*) from staging.base_billing__customers"
            " where row_status = 'test_mode'"
            " union all select 'invoices', count(*) from staging.base_billing__invoices"
            " where row_status = 'test_mode'",
        )
    )
    assert test_mode == contract
    assert test_mode["customers"] > 0


def test_the_crm_link_rules_are_reported(builds: dict[str, Path]) -> None:
    """Both link rules are at work in the Stripe demo: metadata and the e-mail domain."""
    rules = dict(
        query(
            builds["stripe"],
            "select coalesce(crm_link_rule, 'none'), count(*)"
            " from intermediate.int_customer_crm_links group by 1",
        )
    )
    assert rules["billing_system"] > 0
    assert rules["email_domain"] > 0
