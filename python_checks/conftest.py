"""Session fixtures: the project built once on the demo data into a temporary DuckDB file."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from python_checks.dbt_runner import PARSE_CACHE, REPO, DbtRun, copy_warehouse, run_dbt

DEMO_RAW_DIR = REPO / "data" / "demo"


@pytest.fixture(scope="session", autouse=True)
def parse_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A folder of this worker's own where dbt's runs reuse each other's parse (run_dbt)."""
    folder = tmp_path_factory.mktemp("dbt_parse")
    os.environ[PARSE_CACHE] = str(folder)
    yield folder
    del os.environ[PARSE_CACHE]


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory: pytest.TempPathFactory) -> DbtRun:
    """`dbt build` on the demo data. `make test` builds the test warehouse just before pytest and
    passes it in REVOPS_TEST_WAREHOUSE / REVOPS_TEST_TARGET, so it is not built twice."""
    warehouse = os.environ.get("REVOPS_TEST_WAREHOUSE")
    target = os.environ.get("REVOPS_TEST_TARGET")
    if warehouse and target and Path(warehouse).exists():
        return DbtRun(0, "reused the warehouse built by make dbt-test", Path(target))
    workdir = tmp_path_factory.mktemp("demo_build")
    run = run_dbt(["build"], workdir / "warehouse.duckdb", workdir / "target", raw_dir=DEMO_RAW_DIR)
    assert run.returncode == 0, run.output[-5000:]
    return run


@pytest.fixture(scope="session")
def demo_warehouse(demo_build: DbtRun, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Path of the DuckDB file built from the demo data. The one `make test` built is copied for
    each pytest worker: dbt and MetricFlow open it read-write, and DuckDB's file lock would then
    shut out the other worker's readers."""
    warehouse = os.environ.get("REVOPS_TEST_WAREHOUSE")
    if warehouse and Path(warehouse).exists():
        # Same file name: the database name in the built artifacts is the file's stem.
        return copy_warehouse(Path(warehouse), tmp_path_factory.mktemp("demo_warehouse"))
    return demo_build.target_path.parent / "warehouse.duckdb"


@pytest.fixture(scope="session")
def manifest(demo_build: DbtRun) -> dict:
    """dbt's manifest.json of the demo build."""
    return json.loads((demo_build.target_path / "manifest.json").read_text())
