"""Benchmark: a full `dbt build` on generated data of growing size, against the project's targets.

Usage (from the repository root, in the project's venv)::

    python bench/run_benchmark.py                       # 10k, 100k and 1M customers
    python bench/run_benchmark.py --sizes 10000,100000  # a subset
    python bench/run_benchmark.py --sizes 200 --skip-build --skip-fixed   # the script alone

For each size it generates (or reuses, keyed by customers/seed/months) Parquet raw data in
``target/bench/data/<size>/``, measures the *floor* (DuckDB alone reading every column of
every raw file once), then times ``dbt build`` (models, seeds, data and unit tests) into a
fresh DuckDB file of its own, ``target/bench/runs/<size>/warehouse.duckdb``, with its own
dbt target dir. It reports wall and CPU time, the peak memory of the whole process tree
(polled from /proc), the full build's multiple of the floor, the rows of every mart (read-only
query of the built file), dbt's statuses and its slowest models (``run_results.json``), and the
DuckDB settings dbt ran with. The generator's time is recorded beside the data's key file
(``bench_generated.json``) and reported, marked "(recorded)", when the data is reused.

The fixed cost of dbt is measured on the demo data: a full ``dbt parse`` and a ``dbt build`` of
data/demo with the arguments a daily production run uses (``--demo-build-args``, default
``build --exclude-resource-type unit_test``: unit tests check the code and run in CI, not on
every data refresh), beside the plain ``dbt build`` (with unit tests) for comparison. Output: a
table on stdout, ``target/bench/results.csv`` and ``target/bench/results.md``.

Then the daily run: one more day is appended to the raw data (generator/append_day.py: new
invoices, a new customer, a cancellation and late rows) into ``target/bench/data/<size>-day2/``,
and ``dbt build`` runs again on the same warehouse, incrementally, reading the raw data through
the same path as the full build (``runs/<size>/raw``, a link moved to the new day) so that dbt
reuses its parse as a daily production run does; its time is reported beside
the full build's, with its share of it (``--skip-daily`` to leave it out).

Targets, one table, each PASS or FAIL with the measured value ("not run" for a size not run):
the daily run at 1M customers <= 20 % of the full build, at 100k <= 40 %; the full build at 1M
<= 150 s with peak memory <= 8 GiB; the demo build (fixed cost) <= 12 s; the generator at 1M
<= 240 s; ``make test`` on an idle machine <= 5 min, which the benchmark does not measure: it
reads ``target/make_test_seconds``, which the last ``make test`` that passed wrote.

The machine may be shared: the load average at the start of each step is recorded, and CPU
time (user + sys of the process tree) is reported next to wall time.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
MIB = 1024 * 1024
# Targets. The daily run: its share of the full build, by customers.
TARGET_DAILY_SHARE = {1_000_000: 0.20, 100_000: 0.40}
TARGET_1M_BUILD_S = 150.0
TARGET_PEAK_GIB = 8.0
TARGET_DEMO_BUILD_S = 12.0
TARGET_GENERATE_1M_S = 240.0
TARGET_MAKE_TEST_S = 300.0
MAKE_TEST_SECONDS = REPO / "target" / "make_test_seconds"  # written by the last `make test`
# The served build's arguments: what a daily production run pays (no unit tests: they check
# the code and run in CI, not on every data refresh).
SERVED_BUILD_ARGS = "build --exclude-resource-type unit_test"
PASS, FAIL, NOT_RUN, NOT_MEASURED = "PASS", "FAIL", "not run", "not measured"
TABLES = {
    "crm": ("contacts", "companies", "deals", "deal_stage_history", "owners"),
    "billing": (
        "customers",
        "prices",
        "subscriptions",
        "invoices",
        "invoice_line_items",
        "refunds",
    ),
    "finance": ("expenses", "fx_rates"),
}
DATA_KEY_FILE = "bench_key.json"
GENERATED_FILE = "bench_generated.json"  # the generator's time, beside the key file


# --------------------------------------------------------------------------- results


@dataclass
class RunResult:
    """One line of results.csv: a size (or the fixed cost on the demo data)."""

    label: str
    customers: int | None = None
    raw_rows: int | None = None
    raw_mib: float | None = None
    generate_s: float | None = None
    generate_cpu_s: float | None = None
    generate_peak_mib: float | None = None
    generated: str = ""  # generated | reused | committed
    floor_s: float | None = None
    parse_s: float | None = None
    build_args: str = ""
    plain_build_s: float | None = None
    build_s: float | None = None
    build_cpu_s: float | None = None
    build_peak_mib: float | None = None
    floor_multiple: float | None = None
    dbt_status: str = ""
    slowest_models: str = ""
    mart_rows: str = ""
    duckdb_settings: str = ""
    load_avg: float | None = None
    daily_s: float | None = None
    daily_share: float | None = None
    daily_status: str = ""
    daily_slowest_models: str = ""
    targets: str = ""


CSV_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(RunResult))


@dataclass
class Measured:
    """A finished command: exit code, wall and CPU seconds, peak RSS of its process tree."""

    returncode: int
    wall_s: float
    cpu_s: float
    peak_mib: float
    output: str = ""


@dataclass
class Detail:
    """What goes to results.md only: every slow model, every mart."""

    label: str
    slowest: list[tuple[str, float]] = field(default_factory=list)
    marts: dict[str, int] = field(default_factory=dict)
    tests_s: float = 0.0
    layers: dict[str, list[float]] = field(
        default_factory=dict
    )  # layer -> [models s, tests s, tests]
    tested: list[tuple[str, float, int]] = field(default_factory=list)  # model, its tests' s, tests


# --------------------------------------------------------------------------- measuring


def descendants(root: int) -> list[int]:
    """The pids of ``root`` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_mib(root: int) -> float:
    return sum(rss_kib(pid) for pid in descendants(root)) / 1024


def run_measured(
    command: Sequence[str], env: dict[str, str], log: Path, poll_s: float = 0.2, cwd: Path = REPO
) -> Measured:
    """Runs ``command`` (output to ``log``), polling the RSS of its process tree; CPU time and
    the largest single-process RSS from wait4's rusage of that command alone."""
    log.parent.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    with log.open("w", encoding="utf-8") as output:
        process = subprocess.Popen(
            list(command), cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT
        )
        peak = 0.0
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            peak = max(peak, tree_rss_mib(process.pid))
            time.sleep(poll_s)
    wall = time.perf_counter() - began
    process.returncode = os.waitstatus_to_exitcode(status)
    peak = max(peak, usage.ru_maxrss / 1024)  # KiB on Linux
    return Measured(
        process.returncode,
        wall,
        usage.ru_utime + usage.ru_stime,
        peak,
        log.read_text(encoding="utf-8", errors="replace"),
    )


# --------------------------------------------------------------------------- data


def data_key(customers: int, seed: int, months: int) -> dict[str, Any]:
    return {"customers": customers, "seed": seed, "months": months, "format": "parquet"}


def raw_files(folder: Path, extension: str = "parquet") -> list[Path]:
    return [
        folder / source / f"{table}.{extension}"
        for source, tables in TABLES.items()
        for table in tables
    ]


def data_is_reusable(folder: Path, key: dict[str, Any]) -> bool:
    marker = folder / DATA_KEY_FILE
    if not marker.exists() or not all(path.exists() for path in raw_files(folder)):
        return False
    return bool(json.loads(marker.read_text()).get("key") == key)


def generate_data(folder: Path, key: dict[str, Any], workers: int) -> Measured:
    """Generates into ``<folder>.tmp`` then renames it, so a half-written set is never reused."""
    scratch = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(scratch, ignore_errors=True)
    command = [
        sys.executable,
        "-m",
        "generator.raw_data",
        "--out",
        str(scratch),
        "--quiet",
        "--customers",
        str(key["customers"]),
        "--seed",
        str(key["seed"]),
        "--months",
        str(key["months"]),
        "--format",
        "parquet",
        "--workers",
        str(workers),
    ]
    result = run_measured(
        command, dict(os.environ), folder.with_name(folder.name + ".generate.log")
    )
    if result.returncode != 0:
        raise RuntimeError(f"generator failed:\n{result.output[-3000:]}")
    marker = {"key": key, "generator_sources": generator_fingerprint()}
    (scratch / DATA_KEY_FILE).write_text(json.dumps(marker, indent=1) + "\n")
    (scratch / GENERATED_FILE).write_text(json.dumps(generation_record(result), indent=1) + "\n")
    shutil.rmtree(folder, ignore_errors=True)
    scratch.rename(folder)
    return result


def generation_record(measured: Measured) -> dict[str, Any]:
    """What the generator cost, kept beside the data for the runs that reuse it."""
    return {
        "seconds": round(measured.wall_s, 2),
        "cpu_seconds": round(measured.cpu_s, 2),
        "peak_mib": round(measured.peak_mib, 1),
        "generated_at": time.strftime("%Y-%m-%d %H:%M"),
    }


def recorded_generation(folder: Path) -> dict[str, Any]:
    """The generator's recorded cost; data sets written before ``GENERATED_FILE`` existed kept
    it in the key file."""
    for name in (GENERATED_FILE, DATA_KEY_FILE):
        path = folder / name
        if path.exists():
            record = dict(json.loads(path.read_text()))
            if record.get("seconds") is not None:
                return record
    return {}


def generator_fingerprint() -> str:
    """Size and mtime of the generator's sources, to tell which generator wrote a data set."""
    parts = [f"{p.name}:{p.stat().st_size}" for p in sorted((REPO / "generator").glob("*.py"))]
    return ",".join(parts)


def ensure_data(
    folder: Path, key: dict[str, Any], workers: int, regenerate: bool, result: RunResult
) -> None:
    if not regenerate and data_is_reusable(folder, key):
        marker = recorded_generation(folder)
        result.generated = "reused"
        result.generate_s = marker.get("seconds")
        result.generate_cpu_s = marker.get("cpu_seconds")
        result.generate_peak_mib = marker.get("peak_mib")
        return
    measured = generate_data(folder, key, workers)
    result.generated = "generated"
    result.generate_s = round(measured.wall_s, 2)
    result.generate_cpu_s = round(measured.cpu_s, 2)
    result.generate_peak_mib = round(measured.peak_mib, 1)


def folder_mib(paths: Iterable[Path]) -> float:
    return round(sum(path.stat().st_size for path in paths) / MIB, 1)


# --------------------------------------------------------------------------- floor


def read_expression(path: Path, extension: str) -> str:
    if extension == "parquet":
        return f"read_parquet('{path}')"
    return f"read_csv('{path}', header = true, all_varchar = true)"


def floor_seconds(folder: Path, extension: str = "parquet") -> tuple[float, int]:
    """DuckDB alone reading every column of every raw file once (not only the row count,
    which Parquet answers from its footer): seconds and total rows."""
    import duckdb

    began = time.perf_counter()
    rows = 0
    with duckdb.connect() as connection:
        for path in raw_files(folder, extension):
            source = read_expression(path, extension)
            columns = [
                row[0] for row in connection.execute(f"describe select * from {source}").fetchall()
            ]
            lengths = " + ".join(f'coalesce(sum(length("{column}")), 0)' for column in columns)
            count, _ = connection.execute(f"select count(*), {lengths} from {source}").fetchone()
            rows += int(count)
    return time.perf_counter() - began, rows


# --------------------------------------------------------------------------- dbt


def dbt_executable() -> str:
    sibling = Path(sys.executable).with_name("dbt")
    return str(sibling) if sibling.exists() else (shutil.which("dbt") or "dbt")


def dbt_env(run_dir: Path, raw_dir: Path, raw_format: str) -> dict[str, str]:
    return {
        **os.environ,
        "DBT_PROFILES_DIR": str(REPO / ".dbt"),
        "DBT_DUCKDB_PATH": str(run_dir / "warehouse.duckdb"),
        "DBT_TARGET_PATH": str(run_dir / "target"),
        "DBT_LOG_PATH": str(run_dir / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "RAW_DATA_DIR": str(raw_dir),
        "RAW_DATA_FORMAT": raw_format,
        "DBT_DATA_TEST_SCOPE": "all",
    }


def point_raw_link(run_dir: Path, raw_dir: Path) -> Path:
    """``run_dir/raw``, a link to ``raw_dir``: the builds of a size read their raw data through
    one path, as production reads the tables an EL tool appends to. A new RAW_DATA_DIR would make
    dbt parse the sources again, which a daily run in production does not pay."""
    link = run_dir / "raw"
    link.unlink(missing_ok=True)
    link.symlink_to(raw_dir.resolve(), target_is_directory=True)
    return link


def fresh_run_dir(run_dir: Path) -> None:
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)


def dbt(args: Sequence[str], env: dict[str, str], log: Path) -> Measured:
    return run_measured([dbt_executable(), *args, "--project-dir", str(REPO)], env, log)


def run_results(run_dir: Path) -> list[dict[str, Any]]:
    path = run_dir / "target" / "run_results.json"
    if not path.exists():
        return []
    return list(json.loads(path.read_text()).get("results", []))


def status_summary(results: list[dict[str, Any]]) -> str:
    counts: dict[str, int] = {}
    for result in results:
        counts[str(result.get("status"))] = counts.get(str(result.get("status")), 0) + 1
    return " ".join(f"{status}={count}" for status, count in sorted(counts.items()))


def slowest_models(results: list[dict[str, Any]], top: int = 8) -> list[tuple[str, float]]:
    models = [
        (r["unique_id"].split(".")[-1], float(r.get("execution_time") or 0.0))
        for r in results
        if str(r.get("unique_id", "")).startswith("model.")
    ]
    return sorted(models, key=lambda item: -item[1])[:top]


def tests_seconds(results: list[dict[str, Any]]) -> float:
    return sum(
        float(r.get("execution_time") or 0.0)
        for r in results
        if str(r.get("unique_id", "")).startswith(("test.", "unit_test."))
    )


LAYER_RANK = {"source": 0, "staging": 1, "intermediate": 2, "marts": 3}


def node_layer(node: dict[str, Any]) -> str:
    if node.get("resource_type") == "source":
        return "source"
    fqn = node.get("fqn") or []
    return str(fqn[1]) if len(fqn) > 2 else str(node.get("resource_type"))


def tested_model(test: dict[str, Any], nodes: dict[str, dict[str, Any]]) -> str | None:
    """The model a test is about: its attached node, else its lowest-layer model dependency."""
    attached = test.get("attached_node")
    if attached in nodes:
        return str(attached)
    models = [uid for uid in test.get("depends_on", {}).get("nodes", []) if uid in nodes]
    models.sort(key=lambda uid: LAYER_RANK.get(node_layer(nodes[uid]), 9))
    return models[0] if models else None


def time_by_layer(
    manifest: dict[str, Any], results: list[dict[str, Any]]
) -> tuple[dict[str, list[float]], list[tuple[str, float, int]]]:
    """Model seconds and test seconds (and counts) by layer of the model built or tested, and
    the models whose tests take longest: the data tests of a view re-run its whole chain."""
    nodes = {
        **manifest.get("sources", {}),
        **manifest.get("nodes", {}),
        **manifest.get("unit_tests", {}),
    }
    model_ids = {node.get("name"): uid for uid, node in nodes.items() if uid.startswith("model.")}
    layers: dict[str, list[float]] = {}
    tested: dict[str, list[float]] = {}
    for result in results:
        uid = str(result.get("unique_id", ""))
        seconds = float(result.get("execution_time") or 0.0)
        node = nodes.get(uid, {})
        if uid.startswith("model."):
            layers.setdefault(node_layer(node), [0.0, 0.0, 0])[0] += seconds
        elif uid.startswith(("test.", "unit_test.")):
            subject = (
                model_ids.get(node.get("model"))
                if uid.startswith("unit_test.")
                else tested_model(node, nodes)
            )
            layer = node_layer(nodes.get(str(subject), {})) if subject else "other"
            entry = layers.setdefault(layer, [0.0, 0.0, 0])
            entry[1] += seconds
            entry[2] += 1
            if subject and uid.startswith("test."):
                pair = tested.setdefault(str(subject).split(".")[-1], [0.0, 0])
                pair[0] += seconds
                pair[1] += 1
    ranked = sorted(
        ((name, s, int(n)) for name, (s, n) in tested.items()), key=lambda item: -item[1]
    )
    return layers, ranked


def manifest_of(run_dir: Path) -> dict[str, Any]:
    path = run_dir / "target" / "manifest.json"
    return dict(json.loads(path.read_text())) if path.exists() else {}


def mart_rows(warehouse: Path) -> dict[str, int]:
    import duckdb

    if not warehouse.exists():
        return {}
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        names = [
            row[0]
            for row in connection.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' "
                "order by table_name"
            ).fetchall()
        ]
        return {
            name: int(connection.execute(f'select count(*) from marts."{name}"').fetchone()[0])
            for name in names
        }


def duckdb_settings(env: dict[str, str], run_dir: Path) -> str:
    """memory_limit and threads as dbt's DuckDB connection sees them (dbt show, no file added)."""
    sql = (
        "select current_setting('memory_limit') as memory_limit, "
        "current_setting('threads') as threads"
    )
    show_env = {
        **env,
        "DBT_TARGET_PATH": str(run_dir / "show_target"),
    }  # keeps the build's artifacts
    shown = dbt(
        ["show", "--inline", sql, "--output", "json", "--quiet"], show_env, run_dir / "show.log"
    )
    try:
        start = shown.output.index("{")
        rows = json.loads(shown.output[start : shown.output.rindex("}") + 1])["show"]
        return f"memory_limit={rows[0]['memory_limit']} threads={rows[0]['threads']}"
    except (ValueError, KeyError, IndexError, json.JSONDecodeError):
        return "unknown"


# --------------------------------------------------------------------------- steps


def fixed_cost(bench_dir: Path, build_args: Sequence[str]) -> tuple[RunResult, Detail]:
    """dbt's fixed cost: a full parse, and a build on the committed demo data (CSV) with the
    arguments a daily production run uses; the plain ``dbt build`` beside it."""
    result = RunResult("demo (fixed cost)", customers=800, generated="committed")
    demo = REPO / "data" / "demo"
    result.raw_mib = folder_mib(raw_files(demo, "csv"))
    run_dir = bench_dir / "runs" / "demo"
    fresh_run_dir(run_dir)
    env = dbt_env(run_dir, demo, "csv")
    result.load_avg = round(os.getloadavg()[0], 2)
    parse = dbt(["parse", "--no-partial-parse"], env, run_dir / "parse.log")
    result.parse_s = round(parse.wall_s, 2)
    floor, rows = floor_seconds(demo, "csv")
    result.floor_s, result.raw_rows = round(floor, 3), rows
    result, detail = build_and_collect(result, run_dir, env, build_args)
    if list(build_args) != ["build"]:
        result.plain_build_s = plain_demo_build(bench_dir / "runs" / "demo-plain", demo)
    return result, detail


def plain_demo_build(run_dir: Path, demo: Path) -> float | None:
    """The plain ``dbt build`` (unit tests included) of the demo into a fresh file, for
    comparison with the production arguments; None when it did not finish."""
    fresh_run_dir(run_dir)
    plain = dbt(["build"], dbt_env(run_dir, demo, "csv"), run_dir / "build.log")
    return round(plain.wall_s, 2) if plain.returncode == 0 else None


def size_run(customers: int, args: argparse.Namespace, bench_dir: Path) -> tuple[RunResult, Detail]:
    result = RunResult(f"{customers:,} customers", customers=customers)
    data_dir = bench_dir / "data" / str(customers)
    ensure_data(
        data_dir, data_key(customers, args.seed, args.months), args.workers, args.regenerate, result
    )
    result.raw_mib = folder_mib(raw_files(data_dir))
    floor, rows = floor_seconds(data_dir)
    result.floor_s, result.raw_rows = round(floor, 3), rows
    if args.skip_build:
        return result, Detail(result.label)
    run_dir = bench_dir / "runs" / str(customers)
    fresh_run_dir(run_dir)
    env = dbt_env(run_dir, point_raw_link(run_dir, data_dir), "parquet")
    result.load_avg = round(os.getloadavg()[0], 2)
    # The served build's arguments (as for the demo): the daily share is what `make build` pays.
    result, detail = build_and_collect(result, run_dir, env, args.demo_build_args)
    if not args.skip_daily and "exit=" not in result.dbt_status:
        daily_run(result, data_dir, run_dir, args.demo_build_args)
    return result, detail


def daily_run(
    result: RunResult, data_dir: Path, run_dir: Path, build_args: Sequence[str] = ("build",)
) -> None:
    """Append one day to the raw data and time the build again on the built warehouse."""
    day2 = data_dir.with_name(f"{data_dir.name}-day2")
    shutil.rmtree(day2, ignore_errors=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "generator.append_day",
            "--raw-dir",
            str(data_dir),
            "--out",
            str(day2),
        ],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    # As make build runs it from the published warehouse: the same raw path (now with the new
    # day) and dbt's partial parse from the build before; the incremental models' data tests
    # read the rows the run recomputed (D40).
    raw_link = point_raw_link(run_dir, day2)
    env = {**dbt_env(run_dir, raw_link, "parquet"), "DBT_DATA_TEST_SCOPE": "touched"}
    daily = dbt(list(build_args), env, run_dir / "daily.log")
    results = run_results(run_dir)
    result.daily_s = round(daily.wall_s, 2)
    result.daily_share = ratio(daily.wall_s, result.build_s)
    result.daily_status = status_summary(results) + (
        "" if daily.returncode == 0 else f" exit={daily.returncode}"
    )
    result.daily_slowest_models = "; ".join(
        f"{name} {secs:.1f}s" for name, secs in slowest_models(results)[:5]
    )


def build_and_collect(
    result: RunResult, run_dir: Path, env: dict[str, str], build_args: Sequence[str] = ("build",)
) -> tuple[RunResult, Detail]:
    build = dbt(list(build_args), env, run_dir / "build.log")
    result.build_args = shlex.join(build_args)
    result.build_s = round(build.wall_s, 2)
    result.floor_multiple = ratio(result.build_s, result.floor_s)
    result.build_cpu_s = round(build.cpu_s, 2)
    result.build_peak_mib = round(build.peak_mib, 1)
    results = run_results(run_dir)
    result.dbt_status = status_summary(results) + (
        "" if build.returncode == 0 else f" exit={build.returncode}"
    )
    detail = Detail(
        result.label,
        slowest_models(results),
        mart_rows(run_dir / "warehouse.duckdb"),
        round(tests_seconds(results), 2),
    )
    detail.layers, detail.tested = time_by_layer(manifest_of(run_dir), results)
    result.slowest_models = "; ".join(f"{name} {secs:.1f}s" for name, secs in detail.slowest[:5])
    result.mart_rows = "; ".join(f"{name}={count}" for name, count in detail.marts.items())
    if build.returncode == 0:
        result.duckdb_settings = duckdb_settings(env, run_dir)
    return result, detail


# --------------------------------------------------------------------------- targets


@dataclass(frozen=True)
class TargetCheck:
    """One line of the targets table: the figure, its target, what was measured and the verdict
    (PASS, FAIL, "not run" or "not measured"); ``run`` is the label of the result it read."""

    figure: str
    target: str
    measured: str
    status: str
    run: str = ""


def ratio(part: float | None, whole: float | None) -> float | None:
    """``part / whole`` within one run, to three decimals; None when either is missing."""
    if part is None or not whole:
        return None
    return round(part / whole, 3)


def size_name(customers: int) -> str:
    if customers % 1_000_000 == 0:
        return f"{customers // 1_000_000}M"
    return f"{customers // 1000}k" if customers % 1000 == 0 else f"{customers:,}"


def sized_result(results: Sequence[RunResult], customers: int) -> RunResult | None:
    return next(
        (r for r in results if r.customers == customers and r.generated != "committed"), None
    )


def unfinished(status: str) -> bool:
    return "exit=" in status


def passed(ok: bool) -> str:
    return PASS if ok else FAIL


def daily_share_check(results: Sequence[RunResult], customers: int, limit: float) -> TargetCheck:
    figure = f"daily run / full build at {size_name(customers)} customers"
    target = f"<= {limit:.0%}"
    result = sized_result(results, customers)
    if result is None or result.build_s is None:
        return TargetCheck(figure, target, NOT_RUN, NOT_RUN)
    if unfinished(result.dbt_status):
        return TargetCheck(figure, target, "full build did not finish", FAIL, result.label)
    if result.daily_s is None:
        return TargetCheck(figure, target, "daily run not run", NOT_RUN, result.label)
    if unfinished(result.daily_status):
        return TargetCheck(figure, target, "daily run did not finish", FAIL, result.label)
    share = result.daily_share or ratio(result.daily_s, result.build_s) or 0.0
    measured = f"{share:.0%} ({result.daily_s:.1f} s / {result.build_s:.1f} s)"
    return TargetCheck(figure, target, measured, passed(share <= limit), result.label)


def full_build_checks(
    results: Sequence[RunResult], customers: int = 1_000_000
) -> list[TargetCheck]:
    """The full build's time and peak memory at ``customers``."""
    name = size_name(customers)
    time_figure = f"full build at {name} customers"
    time_target = f"<= {TARGET_1M_BUILD_S:.0f} s"
    peak_figure = f"peak memory of the full build at {name}"
    peak_target = f"<= {TARGET_PEAK_GIB:.0f} GiB"
    result = sized_result(results, customers)
    if result is None or result.build_s is None:
        return [
            TargetCheck(time_figure, time_target, NOT_RUN, NOT_RUN),
            TargetCheck(peak_figure, peak_target, NOT_RUN, NOT_RUN),
        ]
    peak_gib = (result.build_peak_mib or 0.0) / 1024
    if unfinished(result.dbt_status):
        stopped = f"did not finish ({result.dbt_status.strip()})"
        return [
            TargetCheck(time_figure, time_target, stopped, FAIL, result.label),
            TargetCheck(
                peak_figure, peak_target, f"{peak_gib:.1f} GiB, {stopped}", FAIL, result.label
            ),
        ]
    return [
        TargetCheck(
            time_figure,
            time_target,
            f"{result.build_s:.1f} s",
            passed(result.build_s <= TARGET_1M_BUILD_S),
            result.label,
        ),
        TargetCheck(
            peak_figure,
            peak_target,
            f"{peak_gib:.1f} GiB",
            passed(peak_gib <= TARGET_PEAK_GIB),
            result.label,
        ),
    ]


def demo_build_check(results: Sequence[RunResult]) -> TargetCheck:
    """The demo build with the production arguments, the plain ``dbt build`` beside it."""
    figure = "demo `dbt build` (fixed cost)"
    target = f"<= {TARGET_DEMO_BUILD_S:.0f} s"
    demo = next((r for r in results if r.generated == "committed"), None)
    if demo is None or demo.build_s is None:
        return TargetCheck(figure, target, NOT_RUN, NOT_RUN)
    if unfinished(demo.dbt_status):
        return TargetCheck(
            figure, target, f"`dbt {demo.build_args}` did not finish", FAIL, demo.label
        )
    plain = "" if demo.plain_build_s is None else f"; plain `dbt build` {demo.plain_build_s:.1f} s"
    measured = f"{demo.build_s:.1f} s (`dbt {demo.build_args}`){plain}"
    return TargetCheck(
        figure, target, measured, passed(demo.build_s <= TARGET_DEMO_BUILD_S), demo.label
    )


def generator_check(results: Sequence[RunResult], customers: int = 1_000_000) -> TargetCheck:
    """The generator's time at ``customers``; when the data was reused, the time recorded when
    it was generated."""
    figure = f"generator, {size_name(customers)} customers"
    target = f"<= {TARGET_GENERATE_1M_S:.0f} s"
    result = sized_result(results, customers)
    if result is None:
        return TargetCheck(figure, target, NOT_RUN, NOT_RUN)
    if result.generate_s is None:
        return TargetCheck(
            figure, target, "reused data, no time recorded", NOT_MEASURED, result.label
        )
    measured = f"{result.generate_s:.1f} s" + (
        " (recorded)" if result.generated == "reused" else ""
    )
    return TargetCheck(
        figure, target, measured, passed(result.generate_s <= TARGET_GENERATE_1M_S), result.label
    )


def make_test_check(path: Path = MAKE_TEST_SECONDS) -> TargetCheck:
    """``make test`` is not timed by the benchmark: the last value in ``path``, if any."""
    figure = "`make test` on an idle machine (not measured by the bench)"
    target = f"<= {TARGET_MAKE_TEST_S / 60:.0f} min"
    try:
        seconds = float(path.read_text(encoding="utf-8").split()[0])
    except (OSError, ValueError, IndexError):
        return TargetCheck(figure, target, NOT_MEASURED, NOT_MEASURED)
    measured = f"{seconds:.0f} s (read from target/{path.name})"
    return TargetCheck(figure, target, measured, passed(seconds <= TARGET_MAKE_TEST_S))


def target_checks(
    results: Sequence[RunResult], make_test_file: Path = MAKE_TEST_SECONDS
) -> list[TargetCheck]:
    """The targets table, in the spec's order."""
    return [
        *(daily_share_check(results, size, limit) for size, limit in TARGET_DAILY_SHARE.items()),
        *full_build_checks(results),
        demo_build_check(results),
        generator_check(results),
        make_test_check(make_test_file),
    ]


def mark_targets(results: Sequence[RunResult], checks: Sequence[TargetCheck]) -> None:
    """Fills each result's ``targets`` column with the checks that read it."""
    for result in results:
        result.targets = "; ".join(
            f"{check.status} {check.figure}: {check.measured} {check.target}"
            for check in checks
            if check.run == result.label
        )


TARGET_HEADER = ("figure", "target", "measured", "result")


def target_rows(checks: Sequence[TargetCheck]) -> list[list[str]]:
    return [[check.figure, check.target, check.measured, check.status] for check in checks]


# --------------------------------------------------------------------------- output


def fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


SUMMARY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("label", "run"),
    ("raw_rows", "raw rows"),
    ("raw_mib", "raw MiB"),
    ("generate_s", "generate s"),
    ("generate_cpu_s", "generate CPU s"),
    ("floor_s", "floor s"),
    ("parse_s", "parse s"),
    ("build_s", "build s"),
    ("build_cpu_s", "build CPU s"),
    ("build_peak_mib", "peak MiB"),
    ("floor_multiple", "build / floor"),
    ("load_avg", "load avg"),
    ("dbt_status", "dbt statuses"),
    ("daily_s", "daily run s"),
    ("daily_share", "daily / full"),
)


def summary_cell(result: RunResult, name: str) -> str:
    """A summary cell; a reused data set's generator time is the one recorded with it."""
    text = fmt(getattr(result, name))
    if name == "generate_s" and text and result.generated == "reused":
        return f"{text} (recorded)"
    return text


def summary_rows(results: list[RunResult]) -> list[list[str]]:
    return [[summary_cell(result, name) for name, _ in SUMMARY_COLUMNS] for result in results]


def print_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows)]
    for row in [header, ["-" * width for width in widths], *rows]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)))


def write_csv(path: Path, results: list[RunResult]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(CSV_COLUMNS), lineterminator="\n")
        writer.writeheader()
        for result in results:
            writer.writerow(
                {key: ("" if value is None else value) for key, value in asdict(result).items()}
            )


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell.replace("|", "/") for cell in row) + " |" for row in rows]
    return lines


def write_markdown(
    path: Path,
    results: list[RunResult],
    details: list[Detail],
    checks: Sequence[TargetCheck],
    note: str,
) -> None:
    lines = ["# dbt build benchmark", "", note, ""]
    lines += markdown_table([title for _, title in SUMMARY_COLUMNS], summary_rows(results))
    lines += ["", "## Targets", ""] + markdown_table(TARGET_HEADER, target_rows(checks))
    settings = sorted({r.duckdb_settings for r in results if r.duckdb_settings})
    if settings:
        lines += ["", "DuckDB settings seen by dbt's connection: " + ", ".join(settings)]
    for detail in details:
        if not detail.slowest and not detail.marts:
            continue
        lines += [
            "",
            f"## {detail.label}",
            "",
            f"Data and unit tests, summed: {detail.tests_s:.1f} s",
            "",
        ]
        lines += markdown_table(
            ["slowest models", "s"], [(name, f"{secs:.2f}") for name, secs in detail.slowest]
        )
        if detail.layers:
            lines += [
                "",
                "Summed over nodes (dbt runs two at a time); tests by the layer of the model they "
                "test:",
                "",
            ]
            lines += markdown_table(
                ["layer", "models s", "tests s", "tests"],
                [
                    (layer, f"{m:.1f}", f"{t:.1f}", f"{int(n)}")
                    for layer, (m, t, n) in sorted(
                        detail.layers.items(), key=lambda item: LAYER_RANK.get(item[0], 9)
                    )
                ],
            )
            lines += [""] + markdown_table(
                ["most tested models", "tests s", "tests"],
                [(name, f"{secs:.1f}", str(count)) for name, secs, count in detail.tested[:8]],
            )
        lines += [""] + markdown_table(
            ["mart", "rows"], [(name, f"{count:,}") for name, count in detail.marts.items()]
        )
        daily = next(
            (r for r in results if r.label == detail.label and r.daily_s is not None), None
        )
        if daily is not None:
            lines += [
                "",
                f"Daily incremental run (one appended day): {daily.daily_s:.1f} s, "
                f"{daily.daily_share:.0%} of the full build; {daily.daily_status}; slowest: "
                f"{daily.daily_slowest_models}",
            ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------- main


def progress_line(result: RunResult) -> str:
    """One size's figures as soon as it is done; the steps not run are left out."""
    parts = [
        f"generate {result.generate_s} s ({result.generated})",
        f"floor {result.floor_s} s",
    ]
    if result.build_s is not None:
        parts.append(
            f"build {result.build_s} s (x{result.floor_multiple} the floor), "
            f"peak {result.build_peak_mib} MiB"
        )
    if result.daily_s is not None:
        parts.append(f"daily run {result.daily_s} s ({result.daily_share} of the build)")
    return f"{result.label}: " + ", ".join(parts)


def parse_sizes(text: str) -> list[int]:
    sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    if not sizes or any(size < 1 for size in sizes):
        raise argparse.ArgumentTypeError("sizes: positive customer counts, comma-separated")
    return sizes


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        type=parse_sizes,
        default=list(DEFAULT_SIZES),
        help="paying-customer counts, comma-separated (default 10000,100000,1000000)",
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument(
        "--workers",
        type=int,
        default=max(1, os.cpu_count() or 1),
        help="generator processes (the data does not depend on it)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=REPO / "target" / "bench",
        help="data, runs and results (default target/bench)",
    )
    parser.add_argument("--regenerate", action="store_true", help="never reuse generated data")
    parser.add_argument(
        "--skip-build", action="store_true", help="generate and measure the floor only"
    )
    parser.add_argument("--skip-fixed", action="store_true", help="no dbt parse / demo build")
    parser.add_argument(
        "--skip-daily", action="store_true", help="no incremental daily run after the build"
    )
    parser.add_argument(
        "--demo-build-args",
        type=parse_build_args,
        default=parse_build_args(SERVED_BUILD_ARGS),
        help="dbt arguments of the demo fixed-cost build, what a daily production run pays "
        f"(default: the served build's, {SERVED_BUILD_ARGS!r}); the plain `dbt build` is "
        "timed beside it",
    )
    return parser.parse_args(argv)


def parse_build_args(text: str) -> list[str]:
    words = shlex.split(text)
    if not words:
        raise argparse.ArgumentTypeError("demo build args: a dbt command, e.g. 'build'")
    return words


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    bench_dir: Path = args.out.resolve()
    bench_dir.mkdir(parents=True, exist_ok=True)
    results: list[RunResult] = []
    details: list[Detail] = []
    if not args.skip_fixed and not args.skip_build:
        result, detail = fixed_cost(bench_dir, args.demo_build_args)
        results.append(result)
        details.append(detail)
        print(
            f"fixed cost: parse {result.parse_s} s, demo `dbt {result.build_args}` "
            f"{result.build_s} s, plain `dbt build` {result.plain_build_s} s",
            flush=True,
        )
    for customers in args.sizes:
        result, detail = size_run(customers, args, bench_dir)
        results.append(result)
        details.append(detail)
        print(progress_line(result), flush=True)
    checks = target_checks(results)
    mark_targets(results, checks)
    note = (
        f"{time.strftime('%Y-%m-%d %H:%M')}; {os.cpu_count()} CPUs; seed {args.seed}, "
        f"{args.months} months; Parquet raw data; times in seconds, memory in MiB (process tree)."
    )
    write_csv(bench_dir / "results.csv", results)
    write_markdown(bench_dir / "results.md", results, details, checks, note)
    print_table([title for _, title in SUMMARY_COLUMNS], summary_rows(results))
    print()
    print_table(TARGET_HEADER, target_rows(checks))
    print(f"\nwrote {bench_dir / 'results.csv'} and {bench_dir / 'results.md'}")
    failed = [r.label for r in results if "exit=" in r.dbt_status or "exit=" in r.daily_status]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
