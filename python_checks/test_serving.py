"""Serving BI safely: a reader open on the published warehouse during a build sees the old or
the new complete warehouse, never a half-built one, and does not block the build; a failing
build or test leaves the published file as it was; the file opens in DuckDB 1.5+ readers."""

from __future__ import annotations

import hashlib
import os
import shutil
import struct
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from python_checks.dbt_runner import REPO

FIXTURE = REPO / "python_checks" / "fixtures" / "raw_small"
# Storage version in a DuckDB file header that DuckDB 1.5 (and later) reads.
MAX_STORAGE_VERSION_FOR_DUCKDB_1_5 = 68
MARTS = ["kpi_mrr", "kpi_arr", "kpi_churn_rate", "kpi_scorecard", "dim_customers"]


def publish(published: Path, target: Path, raw_dir: Path, *dbt_args: str) -> subprocess.Popen:
    """Start the publish script; its output goes to <target>/publish.log (a pipe nobody reads
    while the test polls would fill up and block dbt)."""
    target.mkdir(parents=True, exist_ok=True)
    log = (target / "publish.log").open("w")
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(REPO / ".dbt"),
        "DBT_TARGET_PATH": str(target),
        "DBT_LOG_PATH": str(target / "logs"),
        "RAW_DATA_DIR": str(raw_dir),
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "scripts.publish_warehouse",
            "--published",
            str(published),
            "--no-docs",
            "--",
            *dbt_args,
        ],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def finish(process: subprocess.Popen, target: Path) -> str:
    """Wait for the publish script and return its output."""
    process.wait()
    return (target / "publish.log").read_text()


def snapshot(connection: duckdb.DuckDBPyConnection) -> tuple:
    """What a reader sees: the as-of month and the row count of every mart. A half-built
    warehouse would miss a mart or have months that disagree."""
    as_of = connection.execute("select max(month) from marts.kpi_mrr").fetchone()[0]
    counts = tuple(
        connection.execute(f"select count(*) from marts.{mart}").fetchone()[0] for mart in MARTS
    )
    assert connection.execute("select max(month) from marts.kpi_scorecard").fetchone()[0] == as_of
    return (as_of, counts)


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    workdir = tmp_path_factory.mktemp("serving")
    path = workdir / "warehouse.duckdb"
    process = publish(path, workdir / "target", FIXTURE)
    output = finish(process, workdir / "target")
    assert process.returncode == 0, output[-3000:]
    return path


def test_published_file_opens_in_duckdb_1_5_readers(published: Path) -> None:
    header = published.read_bytes()[:20]
    assert header[8:12] == b"DUCK"
    assert struct.unpack("<Q", header[12:20])[0] <= MAX_STORAGE_VERSION_FOR_DUCKDB_1_5
    assert not published.with_name(published.name + ".building").exists()


def test_reader_sees_old_or_new_complete_warehouse_during_a_build(published: Path) -> None:
    held = duckdb.connect(str(published), read_only=True)
    old = snapshot(held)
    # Rebuild with an earlier as-of date: the new warehouse has fewer months.
    target = published.parent / "target2"
    process = publish(published, target, FIXTURE, "--vars", "{as_of_date: '2024-02-15'}")
    seen = set()
    while process.poll() is None:
        seen.add(snapshot(held))
        with duckdb.connect(str(published), read_only=True) as fresh:
            seen.add(snapshot(fresh))
        time.sleep(0.2)
    output = finish(process, target)
    assert process.returncode == 0, output[-3000:]
    assert snapshot(held) == old, "the reader holding the old file keeps the old warehouse"
    held.close()
    with duckdb.connect(str(published), read_only=True) as fresh:
        new = snapshot(fresh)
    assert new != old and new[0] < old[0]
    assert seen <= {old, new}, f"a reader saw a warehouse that is neither old nor new: {seen}"


def test_failing_build_leaves_the_published_file_in_place(published: Path, tmp_path: Path) -> None:
    # GBP amounts without any GBP rate: the fx tests fail (error severity).
    broken = tmp_path / "raw"
    shutil.copytree(FIXTURE, broken)
    rates = (broken / "finance" / "fx_rates.csv").read_text().splitlines()
    (broken / "finance" / "fx_rates.csv").write_text(
        "\n".join(line for line in rates if "gbp" not in line.lower()) + "\n"
    )
    before = file_digest(published)
    with duckdb.connect(str(published), read_only=True) as reader:
        process = publish(published, tmp_path / "target", broken)
        output = finish(process, tmp_path / "target")
        assert snapshot(reader)
    assert process.returncode != 0, output[-3000:]
    assert "left as it was" in output
    assert file_digest(published) == before
