"""The project's conventions, read from dbt's manifest and the built warehouse: every model and
column documented, every model with a key test, layers that only read what they may, personal
data that never leaves staging."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from python_checks.dbt_runner import REPO, query

PERSONAL_DATA_COLUMNS = {"email", "first_name", "last_name", "customer_name", "name"}
KEY_TESTS = {"unique", "unique_combination_of_columns", "row_fates_are_sound"}


def project_models(manifest: dict) -> list[dict]:
    return [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["package_name"] == "revops_warehouse"
    ]


def layer(model: dict) -> str:
    return model["original_file_path"].split("/")[1]


def warehouse_columns(db_path: Path, model: dict) -> list[str]:
    rows = query(
        db_path,
        "select column_name from information_schema.columns "
        f"where table_schema = '{model['schema']}' and table_name = '{model['alias']}' "
        "order by ordinal_position",
    )
    return [row[0] for row in rows]


def test_there_are_models_in_every_layer(manifest: dict) -> None:
    layers = {layer(model) for model in project_models(manifest)}
    assert {"staging", "intermediate", "marts"} <= layers or {"staging"} <= layers


def test_every_model_is_described_starting_with_its_grain(manifest: dict) -> None:
    undocumented = [m["name"] for m in project_models(manifest) if not m["description"].strip()]
    assert undocumented == []
    no_grain = [
        m["name"]
        for m in project_models(manifest)
        if not m["description"].strip().lower().startswith("one row per")
    ]
    assert no_grain == []


def test_every_column_in_the_warehouse_is_documented(manifest: dict, demo_warehouse: Path) -> None:
    missing: list[str] = []
    for model in project_models(manifest):
        documented = {
            name for name, column in model["columns"].items() if column["description"].strip()
        }
        actual = warehouse_columns(demo_warehouse, model)
        assert actual, f"{model['name']} is not in the warehouse"
        missing += [f"{model['name']}.{column}" for column in actual if column not in documented]
    assert missing == []


def test_documented_columns_exist(manifest: dict, demo_warehouse: Path) -> None:
    stale: list[str] = []
    for model in project_models(manifest):
        actual = set(warehouse_columns(demo_warehouse, model))
        stale += [f"{model['name']}.{name}" for name in model["columns"] if name not in actual]
    assert stale == []


def is_source_adapter(model: dict) -> bool:
    """models/staging/<domain>/<shape>/base_<shape>__<entity>.sql: one row per raw row."""
    parts = model["original_file_path"].split("/")
    return len(parts) == 5 and parts[1] == "staging" and parts[3] != "base"


def test_every_model_has_a_key_test(manifest: dict) -> None:
    """A source adapter's key (raw_row_number) is checked on the canonical base table it feeds:
    its row_fates_are_sound reads every row the adapter gave."""
    tested: set[str] = set()
    for node in manifest["nodes"].values():
        if node["resource_type"] != "test" or "test_metadata" not in node:
            continue
        if node["test_metadata"]["name"] in KEY_TESTS and node.get("attached_node"):
            tested.add(node["attached_node"])
            base_table = manifest["nodes"].get(node["attached_node"])
            if node["test_metadata"]["name"] == "row_fates_are_sound" and base_table:
                fed = base_table["depends_on"]["nodes"]
                tested.update(
                    parent
                    for parent in fed
                    if parent in manifest["nodes"] and is_source_adapter(manifest["nodes"][parent])
                )
    untested = [m["name"] for m in project_models(manifest) if m["unique_id"] not in tested]
    assert untested == []


def test_only_staging_reads_sources(manifest: dict) -> None:
    offenders = [
        m["name"]
        for m in project_models(manifest)
        if m["depends_on"]["nodes"]
        and any(dep.startswith("source.") for dep in m["depends_on"]["nodes"])
        and layer(m) != "staging"
    ]
    assert offenders == []


@pytest.mark.parametrize("prefix", ["stg_", "base_"])
def test_staging_models_are_named_by_source_and_entity(manifest: dict, prefix: str) -> None:
    names = [m["name"] for m in project_models(manifest) if layer(m) == "staging"]
    assert all(name.startswith(("stg_", "base_")) and "__" in name for name in names)
    assert any(name.startswith(prefix) for name in names)


def test_personal_data_stays_in_staging(manifest: dict, demo_warehouse: Path) -> None:
    leaks = [
        f"{model['name']}.{column}"
        for model in project_models(manifest)
        if layer(model) != "staging"
        for column in warehouse_columns(demo_warehouse, model)
        if column in PERSONAL_DATA_COLUMNS
    ]
    assert leaks == []


def ancestors(manifest: dict, unique_id: str) -> set[str]:
    seen: set[str] = set()
    stack = [unique_id]
    while stack:
        node = manifest["nodes"].get(stack.pop())
        for parent in (node or {}).get("depends_on", {}).get("nodes", []):
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return seen


@pytest.mark.parametrize(
    "model", ["int_subscription_periods", "int_customer_mrr_by_month", "kpi_mrr", "kpi_churn_rate"]
)
def test_refunds_never_reach_mrr(manifest: dict, model: str) -> None:
    """int_subscription_periods (docs/kpi_definitions.md): refunds never change MRR. No MRR
    model may read them."""
    reached = ancestors(manifest, f"model.revops_warehouse.{model}")
    assert "model.revops_warehouse.stg_billing__refunds" not in reached
    assert "model.revops_warehouse.stg_billing__invoice_line_items" in reached


def test_unit_test_names_fit_a_postgres_identifier(manifest: dict) -> None:
    """dbt names a unit test's relation after the test: PostgreSQL refuses more than 63 bytes."""
    names = [test["name"] for test in manifest["unit_tests"].values()]
    assert names
    assert [name for name in names if len(name.encode()) > 63] == []


def test_var_defaults_are_set_once() -> None:
    """A var's default lives in dbt_project.yml's `vars:` only: no model, macro, test or analysis
    passes one to var(), so two defaults can never drift apart."""
    pattern = re.compile(r"\bvar\(\s*(['\"])[^'\"]+\1\s*,")
    offenders = [
        f"{path}:{number}"
        for folder in ("models", "macros", "tests", "analyses")
        for path in sorted((REPO / folder).rglob("*"))
        if path.suffix in {".sql", ".yml", ".md"}
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if pattern.search(line)
    ]
    assert offenders == []
