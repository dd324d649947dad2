"""Production targets write the layer schemas by name; a developer's target writes its own
`<schema>_<layer>`, so two analysts sharing a warehouse never overwrite each other."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from python_checks.dbt_runner import run_dbt

LAYERS = {
    "stg_billing__invoices": "staging",
    "int_subscription_periods": "intermediate",
    "kpi_mrr": "marts",
    "currencies": "reference",
}


def node_schemas(manifest: dict) -> dict[str, str]:
    """The schema dbt resolved for a few nodes of a manifest."""
    return {
        node["name"]: node["schema"]
        for node in manifest["nodes"].values()
        if node["name"] in LAYERS and node["resource_type"] in ("model", "seed")
    }


def schemas(tmp_path: Path, target: str, extra_env: dict[str, str]) -> dict[str, str]:
    """The schema of a few nodes as `dbt parse` resolves them for `target` (no connection)."""
    run = run_dbt(
        ["parse"],
        tmp_path / "parse.duckdb",
        tmp_path / "target",
        extra_env={"DBT_TARGET": target, **extra_env},
    )
    assert run.returncode == 0, run.output[-3000:]
    return node_schemas(json.loads((tmp_path / "target" / "manifest.json").read_text()))


def test_the_production_target_writes_the_layer_names(manifest: dict) -> None:
    """The demo build's manifest (make dbt-test builds it on the duckdb target, a production
    target)."""
    assert node_schemas(manifest) == LAYERS


@pytest.mark.parametrize("schema", ["dev", "dbt_alice"])
def test_a_development_target_writes_its_own_schemas(tmp_path: Path, schema: str) -> None:
    expected = {name: f"{schema}_{layer}" for name, layer in LAYERS.items()}
    assert schemas(tmp_path, "dev", {"DBT_DEV_SCHEMA": schema}) == expected
