"""The connector shapes give the marts the raw contract gives, for the same company.

The demo company is committed in every shape: the contract's (`data/demo/{crm,billing,finance}`),
Stripe's (`data/demo/stripe/`), HubSpot's (`data/demo/hubspot/`) and Salesforce's
(`data/demo/salesforce/`), as Fivetran lands them (the generator writes them all). Compared with
the demo build of the contract's shape (the one `make test` builds):
- `connectors`: `billing_source: fivetran_stripe` and `crm_source: fivetran_hubspot`, with every
  data and unit test (the adapters' unit tests run only when their shape is selected);
- `legacy`: Stripe's legacy `plan` table and no history mode (`stripe__using_price: false`,
  `stripe__using_subscription_history: false`), marts only;
- `salesforce`: `crm_source: fivetran_salesforce` with the funnel read from the custom fields
  the demo org keeps (`salesforce_stage_date_columns`, `salesforce_lead_account_column`), with
  every data and unit test;
- `salesforce_native`: the same tables read natively (no custom fields), marts only.
Every mart must be equal row by row, except where the native Salesforce reading differs, which is
pinned here; every connector row must be accounted for.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from python_checks.dbt_runner import BUILD_MODELS_ONLY, REPO, DbtRun, query, run_dbt
from python_checks.engine_comparison import (
    duckdb_mart,
    mart_keys,
    values_equal,
    warehouse_mart_differences,
)

DEMO = REPO / "data" / "demo"
CONNECTORS = {"billing_source": "fivetran_stripe", "crm_source": "fivetran_hubspot"}
LEGACY = {
    "billing_source": "fivetran_stripe",
    "stripe__using_price": False,
    "stripe__using_subscription_history": False,
}
SALESFORCE_NATIVE = {"crm_source": "fivetran_salesforce"}
SALESFORCE = {
    **SALESFORCE_NATIVE,
    "salesforce_stage_date_columns": {
        stage: f"became_{stage}_date_c"
        for stage in ("lead", "mql", "sql", "opportunity", "customer")
    },
    "salesforce_lead_account_column": "matched_account_id_c",
}
SALES_MARTS = ("kpi_sales_cycle_length", "kpi_sales_velocity")


def build(workdir: Path, args: list[str]) -> DbtRun:
    run = run_dbt(args, workdir / "warehouse.duckdb", workdir / "target", raw_dir=DEMO)
    assert run.returncode == 0, run.output[-5000:]
    return run


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("connector_shapes")
    build(root / "connectors", ["build", "--vars", json.dumps(CONNECTORS)])
    build(root / "legacy", [*BUILD_MODELS_ONLY, "--vars", json.dumps(LEGACY)])
    build(root / "salesforce", ["build", "--vars", json.dumps(SALESFORCE)])
    build(root / "salesforce_native", [*BUILD_MODELS_ONLY, "--vars", json.dumps(SALESFORCE_NATIVE)])
    names = ("connectors", "legacy", "salesforce", "salesforce_native")
    return {name: root / name / "warehouse.duckdb" for name in names}


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


def test_salesforce_with_the_custom_fields_gives_the_contract_marts(
    builds: dict[str, Path], demo_warehouse: Path
) -> None:
    differences = warehouse_mart_differences(demo_warehouse, builds["salesforce"], "Salesforce")
    assert not differences, "\n".join(differences[:40])


def differing(left: Path, right: Path, mart: str, key: tuple[str, ...]) -> set[str]:
    """The columns of `mart` whose values differ between two builds (`<rows>` when a key is on
    one side only)."""
    left_rows = {tuple(row[k] for k in key): row for row in duckdb_mart(left, mart)[1]}
    right_rows = {tuple(row[k] for k in key): row for row in duckdb_mart(right, mart)[1]}
    columns = {"<rows>"} if set(left_rows) != set(right_rows) else set()
    for row_key in set(left_rows) & set(right_rows):
        columns |= {
            column
            for column, value in left_rows[row_key].items()
            if not values_equal(value, right_rows[row_key][column])
        }
    return columns


def test_the_native_salesforce_reading_differs_only_in_the_funnel_figures(
    builds: dict[str, Path], demo_warehouse: Path
) -> None:
    """docs/fivetran_salesforce.md, "Two readings": natively a lead is a lead from its creation,
    a customer from its account's first won deal, and an unconverted lead has no account. So
    the funnel conversion differs, and the first-touch channel (of a company whose earliest
    person was never converted) with the new customers per channel in CAC; the scorecard only in
    its lead-to-customer conversion. Revenue and sales figures do not move."""
    manifest = json.loads(
        (builds["salesforce_native"].parent / "target" / "manifest.json").read_text()
    )
    found = {
        mart: columns
        for mart, key in mart_keys(manifest).items()
        if (columns := differing(demo_warehouse, builds["salesforce_native"], mart, key))
    }
    assert set(found) == {"kpi_funnel_conversion", "dim_customers", "kpi_cac", "kpi_scorecard"}
    assert found["dim_customers"] == {"first_touch_channel"}
    assert found["kpi_funnel_conversion"] >= {"entered", "converted", "conversion_rate"}
    key = mart_keys(manifest)["kpi_scorecard"]
    native = {
        tuple(row[k] for k in key): row
        for row in duckdb_mart(builds["salesforce_native"], "kpi_scorecard")[1]
    }
    scorecard_kpis = {
        row["kpi"]
        for row in duckdb_mart(demo_warehouse, "kpi_scorecard")[1]
        if any(
            not values_equal(value, native[tuple(row[k] for k in key)][column])
            for column, value in row.items()
        )
    }
    assert scorecard_kpis == {"lead_to_customer_conversion_rate"}


@pytest.mark.parametrize("shape", ["connectors", "salesforce", "salesforce_native"])
def test_the_sales_kpis_are_the_same_in_every_crm_shape(
    builds: dict[str, Path], demo_warehouse: Path, shape: str
) -> None:
    """Win rate (by count), cycle length (fractional days) and velocity, from HubSpot, from
    Salesforce in either reading, equal the contract's."""
    manifest = json.loads((builds[shape].parent / "target" / "manifest.json").read_text())
    keys = mart_keys(manifest)
    for mart in SALES_MARTS:
        assert not differing(demo_warehouse, builds[shape], mart, keys[mart]), mart


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


@pytest.mark.parametrize(
    ("tables", "base_model"),
    [
        (("lead", "contact"), "base_crm__contacts"),
        (("account",), "base_crm__companies"),
        (("opportunity",), "base_crm__deals"),
        (("opportunity_history",), "base_crm__deal_stage_history"),
        (("user",), "base_crm__owners"),
    ],
)
def test_every_salesforce_row_has_one_fate(
    builds: dict[str, Path], tables: tuple[str, ...], base_model: str
) -> None:
    """As above; a person's lead and contact rows are one base table (the lead's rows of a
    converted person count as its older versions)."""
    fates = dict(
        query(
            builds["salesforce"],
            f"select row_status, count(*) from staging.{base_model} group by row_status",
        )
    )
    assert sum(fates.values()) == sum(csv_rows("salesforce", table) for table in tables), fates
    assert set(fates) <= {"staged", "duplicate", "test_mode", "deleted", "quarantined"}


def test_a_converted_lead_and_its_contact_are_one_person(
    builds: dict[str, Path], demo_warehouse: Path
) -> None:
    """As many people as the contract has contacts: a converted lead's rows are older versions
    of its contact (keyed by the contact's id), never a second person."""
    people = "select count(*) from staging.stg_crm__contacts"
    assert query(builds["salesforce"], people) == query(demo_warehouse, people)
    with (DEMO / "salesforce" / "contact.csv").open(newline="") as handle:
        contact_ids = {row["id"] for row in csv.DictReader(handle)}
    keyed_by_contact = query(
        builds["salesforce"],
        "select count(*) from staging.stg_crm__contacts where contact_id not like '00Q%'",
    )
    assert keyed_by_contact[0][0] == len(contact_ids)


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
    salesforce = quarantined(builds["salesforce"], "crm")
    assert ("deal_stage_history", "5999906", "orphan deal_id") in salesforce
    assert ("deal_stage_history", "5000001", "unknown deal_stage") in salesforce
    assert ("deals", "5999907", "company deleted") in salesforce
    assert any(reason == "unknown lead status" for _, _, reason in salesforce)


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
