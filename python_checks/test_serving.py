"""Serving BI safely: a reader open on the published warehouse during a build sees the old or
the new complete warehouse, never a half-built one, and does not block the build; a failing
build or test leaves the published file as it was; the file opens in DuckDB 1.5+ readers.
One build at a time: a second one stops at once on the lock (or waits with --wait). A build
after a published one runs the incremental models incrementally and publishes the same marts
as a full refresh."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from python_checks.dbt_runner import REPO, compiled_test_sql, copy_warehouse
from python_checks.engine_comparison import warehouse_mart_differences
from scripts import publish_warehouse

FIXTURE = REPO / "python_checks" / "fixtures" / "raw_small"
# Storage version in a DuckDB file header that DuckDB 1.5 (and later) reads.
MAX_STORAGE_VERSION_FOR_DUCKDB_1_5 = 68
MARTS = ["kpi_mrr", "kpi_arr", "kpi_churn_rate", "kpi_scorecard", "dim_customers"]
# The publish script's exit code when another build holds the lock (sysexits' EX_TEMPFAIL).
LOCK_BUSY = 75
# The checks of the lock alone build one seed and its tests: what they prove is which build
# runs and when, not what it builds (the checks above and below build the whole project).
SMALL_BUILD = ("--select", "currencies", "--indirect-selection", "cautious")


def publish(
    published: Path, target: Path, raw_dir: Path, *dbt_args: str, options: tuple[str, ...] = ()
) -> subprocess.Popen:
    """Start the publish script (with `options` of its own, e.g. --wait); its output goes to
    <target>/publish.log (a pipe nobody reads while the test polls would fill up and block
    dbt)."""
    target.mkdir(parents=True, exist_ok=True)
    log = (target / "publish.log").open("w")
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(REPO / ".dbt"),
        "DBT_TARGET_PATH": str(target),
        "DBT_LOG_PATH": str(target / "logs"),
        "DBT_LOG_LEVEL_FILE": "none",
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
            *options,
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


def work_files(published: Path) -> list[Path]:
    """Work files (and logs) beside the published file: none once a build has finished."""
    return sorted(published.parent.glob(published.name + ".building*"))


def assert_opens_in_duckdb_1_5_readers(path: Path) -> None:
    header = path.read_bytes()[:20]
    assert header[8:12] == b"DUCK"
    assert struct.unpack("<Q", header[12:20])[0] <= MAX_STORAGE_VERSION_FOR_DUCKDB_1_5


@pytest.fixture(scope="module")
def first_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A first build of the small fixture, its marts exported to Parquet beside it. The checks
    below start from copies of it (with the Parquet files), as each changes what it publishes."""
    workdir = tmp_path_factory.mktemp("serving")
    path = workdir / "warehouse.duckdb"
    options = ("--parquet-dir", str(workdir / "parquet"))
    process = publish(path, workdir / "target", FIXTURE, options=options)
    output = finish(process, workdir / "target")
    assert process.returncode == 0, output[-3000:]
    assert "mode: first build" in output
    return path


def copy_of(published: Path, workdir: Path) -> Path:
    """A copy of a published file and its Parquet export in `workdir`, under the same names."""
    shutil.copytree(published.parent / "parquet", workdir / "parquet")
    return copy_warehouse(published, workdir)


@pytest.fixture(scope="module")
def published(first_build: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first build, published again by the checks that use it."""
    return copy_of(first_build, tmp_path_factory.mktemp("published") / "serving")


def test_published_file_opens_in_duckdb_1_5_readers(first_build: Path) -> None:
    assert_opens_in_duckdb_1_5_readers(first_build)
    assert work_files(first_build) == []


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
    parquet = published.parent / "parquet"
    exported = {path.name: file_digest(path) for path in parquet.iterdir()}
    assert "kpi_mrr.parquet" in exported
    with duckdb.connect(str(published), read_only=True) as reader:
        process = publish(
            published, tmp_path / "target", broken, options=("--parquet-dir", str(parquet))
        )
        output = finish(process, tmp_path / "target")
        assert snapshot(reader)
    assert process.returncode != 0, output[-3000:]
    assert f"mode: incremental from {published}" in output, "a daily run, from the published file"
    assert "left as it was" in output
    assert file_digest(published) == before
    assert {path.name: file_digest(path) for path in parquet.iterdir()} == exported
    assert work_files(published) == []


def first_to_exit(processes: list[subprocess.Popen]) -> int:
    """The index of the first of `processes` to exit."""
    while True:
        for index, process in enumerate(processes):
            if process.poll() is not None:
                return index
        time.sleep(0.05)


@pytest.fixture
def builds() -> Iterator[list[subprocess.Popen]]:
    """The publish processes a test started; one still running when the test ends (a failed
    assertion) is terminated, which stops its dbt and removes its work file."""
    started: list[subprocess.Popen] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=60)


def test_a_second_build_started_together_stops_at_once(
    tmp_path: Path, builds: list[subprocess.Popen]
) -> None:
    path = tmp_path / "warehouse.duckdb"
    targets = [tmp_path / "target_a", tmp_path / "target_b"]
    builds += [publish(path, target, FIXTURE, *SMALL_BUILD) for target in targets]
    stopped_at = first_to_exit(builds)
    stopped, builder = builds[stopped_at], builds[1 - stopped_at]
    stopped_output = finish(stopped, targets[stopped_at])
    assert stopped.returncode == LOCK_BUSY, stopped_output[-3000:]
    assert builder.poll() is None, "the second build did not wait for the first one to finish"
    lock = path.with_name(path.name + ".lock")
    assert f"another build holds {lock} (pid {builder.pid}, since " in stopped_output
    assert "--wait" in stopped_output
    assert [p.name for p in targets[stopped_at].iterdir()] == ["publish.log"], "nothing built"
    output = finish(builder, targets[1 - stopped_at])
    assert builder.returncode == 0, output[-3000:]
    assert f"published {path}" in output
    assert lock.exists() and work_files(path) == []


def test_with_wait_two_builds_run_in_turn(tmp_path: Path, builds: list[subprocess.Popen]) -> None:
    path = tmp_path / "warehouse.duckdb"
    targets = [tmp_path / "target_a", tmp_path / "target_b"]
    builds += [
        publish(path, target, FIXTURE, *SMALL_BUILD, options=("--wait",)) for target in targets
    ]
    outputs = [finish(process, target) for process, target in zip(builds, targets)]
    for process, output in zip(builds, outputs):
        assert process.returncode == 0, output[-3000:]
    waited = [index for index, output in enumerate(outputs) if "waiting for the build" in output]
    assert len(waited) == 1, outputs
    second = waited[0]
    first = 1 - second
    lock = path.with_name(path.name + ".lock")
    assert f"holding {lock} (pid {builds[first].pid}, since " in outputs[second]
    assert "mode: first build" in outputs[first]
    assert f"mode: incremental from {path}" in outputs[second]
    assert work_files(path) == []


@pytest.mark.parametrize("before", ["empty", "the previous holder's"])
def test_a_build_stopped_as_another_takes_the_lock_names_the_new_holder(
    before: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Builds started together meet in the moment between one taking the lock and writing its
    pid: the lock file is still empty or names the previous holder, who is gone. The build
    that stops still names the new holder."""
    published = tmp_path / "warehouse.duckdb"
    lock = published.with_name(published.name + ".lock")
    gone = subprocess.Popen(["true"])
    gone.wait()
    previous = {"pid": gone.pid, "since": "yesterday"}
    lock.write_text("" if before == "empty" else json.dumps(previous) + "\n")
    with lock.open("r+") as held:
        fcntl.flock(held, fcntl.LOCK_EX)

        def write_pid() -> None:
            time.sleep(0.3)
            held.seek(0)
            held.truncate()
            held.write(json.dumps({"pid": os.getpid(), "since": "now"}) + "\n")
            held.flush()

        writer = threading.Thread(target=write_pid)
        writer.start()
        code = publish_warehouse.build_and_publish(
            publish_warehouse.parse_options(["--published", str(published)])
        )
        writer.join()
    assert code == LOCK_BUSY
    assert f"holds {lock} (pid {os.getpid()}, since now)" in capsys.readouterr().err
    assert not published.exists()


def incremental_model_runs(target: Path) -> dict[str, str]:
    """The SQL each incremental model ran in a build, by model name (target/run/). The project's
    `recompute` strategy runs `delete from` when the model runs incrementally; a build from
    nothing creates the table instead. Every one of them must have succeeded."""
    manifest = json.loads((target / "manifest.json").read_text())
    results = json.loads((target / "run_results.json").read_text())["results"]
    status = {result["unique_id"]: result["status"] for result in results}
    runs: dict[str, str] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model" or node["config"]["materialized"] != "incremental":
            continue
        assert status.get(node["unique_id"]) == "success", node["unique_id"]
        run = target / "run" / node["package_name"] / node["original_file_path"]
        runs[node["name"]] = run.read_text()
    assert len(runs) >= 5, f"the incremental models: {sorted(runs)}"
    return runs


@pytest.fixture(scope="module")
def daily(first_build: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Day 1 published (the first build); the next day's raw data (generator/append_day.py)
    then published twice: by the default build, incremental from day 1's published file, and
    with --full-refresh over a copy of day 1's published file. The two run side by side (two
    published files, two locks). Outputs are in <dir>/target/publish.log."""
    root = tmp_path_factory.mktemp("daily")
    day2 = root / "raw_day2"
    subprocess.run(
        [sys.executable, "-m", "generator.append_day", "--raw-dir", str(FIXTURE)]
        + ["--out", str(day2)],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    incremental = copy_of(first_build, root / "incremental")
    full = copy_of(first_build, root / "full")
    day1 = root / "day1.duckdb"
    shutil.copy(first_build, day1)
    processes = [
        publish(incremental, incremental.parent / "target", day2),
        publish(full, full.parent / "target", day2, options=("--full-refresh",)),
    ]
    for process, warehouse in zip(processes, (incremental, full)):
        output = finish(process, warehouse.parent / "target")
        assert process.returncode == 0, output[-3000:]
    return {"day1": day1, "incremental": incremental, "full": full}


def test_a_build_after_a_published_one_runs_incrementally(daily: dict[str, Path]) -> None:
    published = daily["incremental"]
    target = published.parent / "target"
    assert f"mode: incremental from {published}" in (target / "publish.log").read_text()
    runs = incremental_model_runs(target)
    assert [name for name, sql in runs.items() if "delete from" not in sql] == [], "rebuilt"
    assert_opens_in_duckdb_1_5_readers(published)
    assert work_files(published) == []


def test_the_incremental_publish_equals_a_full_refresh(daily: dict[str, Path]) -> None:
    assert warehouse_mart_differences(daily["incremental"], daily["full"], "full refresh") == []
    # The appended day moves the marts; else the equality would prove nothing.
    assert warehouse_mart_differences(daily["day1"], daily["full"], "full refresh") != []


def test_full_refresh_builds_from_nothing_over_a_published_file(daily: dict[str, Path]) -> None:
    target = daily["full"].parent / "target"
    assert "mode: full refresh\n" in (target / "publish.log").read_text()
    runs = incremental_model_runs(target)
    assert [name for name, sql in runs.items() if "delete from" in sql] == []


def scoped_unique_test(target: Path) -> bool:
    """Whether the build's unique test of fct_mrr_movements read only the recompute window (D40;
    its key holds the month, so the window needs no widening)."""
    compiled = compiled_test_sql(
        target, "marts/fct_mrr_movements.yml", "unique_fct_mrr_movements_customer_month_id"
    )
    return "recompute_from_month" in compiled


def test_the_daily_build_tests_the_touched_rows_and_the_full_refresh_all(
    daily: dict[str, Path],
) -> None:
    assert scoped_unique_test(daily["incremental"].parent / "target")
    assert not scoped_unique_test(daily["full"].parent / "target")


class FakeDbt:
    """dbt's stand-in for the checks of the script's own steps: `build` writes a table into the
    work file (noting whether the work file started as a copy and whether its data tests were
    scoped to the touched rows), `failing` exits with 2."""

    def __init__(self, failing: str = "") -> None:
        self.failing = failing
        self.started_from_copy: list[bool] = []
        self.touched_only: list[bool] = []

    def __call__(self, args: list[str], database: Path, touched_only: bool = False) -> int:
        if args[0] == self.failing:
            return 2
        if args[0] == "build":
            self.started_from_copy.append(database.exists())
            self.touched_only.append(touched_only)
            with duckdb.connect(str(database)) as connection:
                connection.execute("create or replace table built as select 1 as x")
        return 0


def run_script(published: Path, monkeypatch: pytest.MonkeyPatch, dbt: FakeDbt) -> int:
    """The publish script in this process (build_and_publish: main() would install its SIGTERM
    handler in pytest), with dbt replaced."""
    monkeypatch.setattr(publish_warehouse, "run_dbt", dbt)
    return publish_warehouse.build_and_publish(
        publish_warehouse.parse_options(["--published", str(published)])
    )


def small_database(path: Path) -> Path:
    with duckdb.connect(str(path)) as connection:
        connection.execute("create table old as select 1 as x")
    return path


def test_a_failing_docs_step_removes_the_work_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    published = small_database(tmp_path / "warehouse.duckdb")
    before = file_digest(published)
    dbt = FakeDbt(failing="docs")
    assert run_script(published, monkeypatch, dbt) == 2
    assert dbt.started_from_copy == [True]
    assert file_digest(published) == before
    assert work_files(published) == []
    errors = capsys.readouterr().err
    assert "dbt docs generate failed" in errors and "left as it was" in errors


def test_work_files_of_killed_builds_are_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    published = tmp_path / "warehouse.duckdb"
    for suffix in (".building", ".building-999999", ".building-999999.wal"):
        published.with_name(published.name + suffix).write_bytes(b"left by a killed build")
    another = tmp_path / "another.duckdb.building-999999"
    another.write_bytes(b"another published file's build")
    assert run_script(published, monkeypatch, FakeDbt()) == 0
    assert work_files(published) == []
    assert another.exists()


@pytest.mark.parametrize("damage", ["not a database", "a write-ahead log beside it"])
def test_an_unusable_published_file_falls_back_to_a_full_build(
    damage: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    published = tmp_path / "warehouse.duckdb"
    if damage == "not a database":
        published.write_bytes(b"not a DuckDB file\n" * 1000)
    else:
        small_database(published)
        published.with_name(published.name + ".wal").write_bytes(b"someone else's writes")
    dbt = FakeDbt()
    assert run_script(published, monkeypatch, dbt) == 0
    assert dbt.started_from_copy == [False]
    # Built from nothing: every data test reads every row.
    assert dbt.touched_only == [False]
    output = capsys.readouterr().out
    assert f"cannot build incrementally from {published}" in output
    assert "mode: full refresh" in output
    assert not published.with_name(published.name + ".wal").exists()
    with duckdb.connect(str(published), read_only=True) as connection:
        assert connection.execute("select x from built").fetchall() == [(1,)]
