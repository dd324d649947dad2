"""The project on Spark in local mode, opt-in (REVOPS_SPARK=1): the demo raw data loaded as an EL
tool would (scripts/load_raw_to_spark.py), `dbt build` on Spark green (models, seeds, data and
unit tests), and every mart equal to the DuckDB build row by row (money to the cent, rates within
1e-9, text and dates exactly), with the same quarantined rows.

Needs Java 17 and the pins of requirements-spark.txt (`make spark-test` installs both). `make
spark-test` builds first and passes REVOPS_SPARK_DIR / REVOPS_SPARK_TARGET (the Spark warehouse
directory and dbt's target path of that build), so it is not built twice; without them the
fixture loads and builds into a temporary directory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from python_checks import engine_comparison
from python_checks.conftest import DEMO_RAW_DIR
from python_checks.dbt_runner import REPO, query, run_dbt
from python_checks.engine_comparison import Row, duckdb_mart, mart_differences

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = pytest.mark.skipif(
    os.environ.get("REVOPS_SPARK") != "1",
    reason="Spark checks are opt-in: set REVOPS_SPARK=1 (Java 17 and requirements-spark.txt; "
    "make spark-test does it all)",
)

# The loader writes `_loaded_at` in file order: duplicates resolve as the files say.
SPARK_VARS = {"raw_loaded_at_column": "_loaded_at"}
# Exposures and saved queries are no-ops in a build.
BUILD_OK = {"success", "pass", "warn", "no-op"}


@dataclass(frozen=True)
class SparkBuild:
    spark_dir: Path
    target_path: Path


def spark_env(spark_dir: Path) -> dict[str, str]:
    return {
        "DBT_TARGET": "spark",
        "DBT_SPARK_DIR": str(spark_dir),
        "DBT_PROFILES_DIR": str(REPO / ".dbt"),
    }


def build_here(workdir: Path) -> SparkBuild:
    """Load the demo raw data into a fresh Spark warehouse, then `dbt build` on it."""
    build = SparkBuild(workdir / "spark", workdir / "target")
    env = {**os.environ, **spark_env(build.spark_dir)}
    load = subprocess.run(
        [sys.executable, "-m", "scripts.load_raw_to_spark", "--raw-dir", str(DEMO_RAW_DIR)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert load.returncode == 0, load.stdout[-2000:] + load.stderr[-4000:]
    run = run_dbt(
        ["build", "--vars", json.dumps(SPARK_VARS)],
        workdir / "unused.duckdb",
        build.target_path,
        extra_env=spark_env(build.spark_dir),
    )
    failures = [line for line in run.output.splitlines() if "ERROR" in line or "FAIL" in line]
    assert run.returncode == 0, "\n".join(failures[:40]) + "\n" + run.output[-4000:]
    return build


@pytest.fixture(scope="module")
def spark_build(tmp_path_factory: pytest.TempPathFactory) -> SparkBuild:
    spark_dir = os.environ.get("REVOPS_SPARK_DIR")
    target = os.environ.get("REVOPS_SPARK_TARGET")
    if spark_dir and target and (Path(target) / "run_results.json").exists():
        return SparkBuild(Path(spark_dir), Path(target))
    return build_here(tmp_path_factory.mktemp("spark_build"))


@pytest.fixture(scope="module")
def spark(spark_build: SparkBuild) -> Iterator[SparkSession]:
    """A session on the build's warehouse and metastore (opened after dbt let go of Derby)."""
    from scripts.load_raw_to_spark import spark_conf, spark_session

    # Spark hands timestamps to Python in the process's zone; the data is UTC.
    os.environ["TZ"] = "UTC"
    time.tzset()
    session = spark_session(spark_conf(environ={**os.environ, **spark_env(spark_build.spark_dir)}))
    yield session
    session.stop()


def spark_rows(spark: SparkSession, sql: str) -> tuple[list[str], list[Row]]:
    frame = spark.sql(sql)
    return frame.columns, [row.asDict() for row in frame.collect()]


def test_the_spark_build_ran_every_node(spark_build: SparkBuild) -> None:
    results = json.loads((spark_build.target_path / "run_results.json").read_text())["results"]
    manifest = json.loads((spark_build.target_path / "manifest.json").read_text())
    statuses = {result["unique_id"]: result["status"] for result in results}
    assert {status for status in statuses.values()} <= BUILD_OK, {
        node: status for node, status in statuses.items() if status not in BUILD_OK
    }
    unit_tests = set(manifest["unit_tests"])
    assert unit_tests and unit_tests <= set(statuses), "some unit tests did not run on Spark"
    models = {uid for uid, node in manifest["nodes"].items() if node["resource_type"] == "model"}
    assert models <= set(statuses), "some models were not built on Spark"


def test_every_mart_equals_the_duckdb_build(
    spark: SparkSession, spark_build: SparkBuild, demo_warehouse: Path
) -> None:
    manifest = json.loads((spark_build.target_path / "manifest.json").read_text())
    differences: list[str] = []
    for mart, key in sorted(engine_comparison.mart_keys(manifest).items()):
        columns, duck_rows = duckdb_mart(demo_warehouse, mart)
        spark_columns, rows = spark_rows(spark, f"select * from marts.`{mart}`")
        assert rows, f"{mart} is empty on Spark"
        assert spark_columns == columns, f"{mart}: columns differ"
        assert len(rows) == len(duck_rows), f"{mart}: {len(rows)} rows on Spark, {len(duck_rows)}"
        differences += mart_differences(duck_rows, rows, mart, key, "Spark")
    assert differences == [], "\n".join(differences[:50])


def test_quarantine_reasons_are_the_same_on_both_engines(
    spark: SparkSession, demo_warehouse: Path
) -> None:
    for source in ("crm", "billing", "finance"):
        sql = (
            "select source_table, quarantine_reason, count(*) as row_count "
            f"from staging.stg_{source}__quarantined_rows group by 1, 2 order by 1, 2"
        )
        on_spark: list[tuple[Any, ...]] = [tuple(row.values()) for row in spark_rows(spark, sql)[1]]
        assert on_spark == query(demo_warehouse, sql), source
