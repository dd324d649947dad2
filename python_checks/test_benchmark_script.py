"""Checks of bench/run_benchmark.py's own logic (not a timed test): a tiny run without dbt,
data reuse keyed by size/seed (the generator's time recorded with the data), the results files'
columns, the targets table (pure functions fed RunResult values) and run_results parsing."""

from __future__ import annotations

import csv
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "bench" / "run_benchmark.py"

# results.csv's columns, restated (not imported from the script on purpose).
EXPECTED_COLUMNS = [
    "label",
    "customers",
    "raw_rows",
    "raw_mib",
    "generate_s",
    "generate_cpu_s",
    "generate_peak_mib",
    "generated",
    "floor_s",
    "parse_s",
    "build_args",
    "plain_build_s",
    "build_s",
    "build_cpu_s",
    "build_peak_mib",
    "floor_multiple",
    "dbt_status",
    "slowest_models",
    "mart_rows",
    "duckdb_settings",
    "load_avg",
    "daily_s",
    "daily_share",
    "daily_status",
    "daily_slowest_models",
    "targets",
]


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("run_benchmark", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["run_benchmark"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def read_results(folder: Path) -> list[dict[str, str]]:
    with (folder / "results.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def tiny_run(bench: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bench")
    argv = ["--sizes", "200", "--skip-build", "--skip-fixed", "--workers", "1", "--out", str(out)]
    assert bench.main(argv) == 0
    return out


def test_tiny_run_writes_results_with_the_expected_columns(tiny_run: Path) -> None:
    with (tiny_run / "results.csv").open(encoding="utf-8", newline="") as handle:
        assert next(csv.reader(handle)) == EXPECTED_COLUMNS
    (row,) = read_results(tiny_run)
    assert row["label"] == "200 customers" and row["customers"] == "200"
    assert row["generated"] == "generated"
    assert int(row["raw_rows"]) > 1000 and float(row["floor_s"]) >= 0
    assert row["build_s"] == ""  # --skip-build
    markdown = (tiny_run / "results.md").read_text(encoding="utf-8")
    assert "| run | raw rows | raw MiB | generate s | generate CPU s | floor s |" in markdown
    assert "| 200 customers | " in markdown
    assert "## Targets" in markdown and "| figure | target | measured | result |" in markdown
    assert "| full build at 1M customers | <= 150 s | not run | not run |" in markdown


def test_data_is_parquet_in_the_contract_layout_and_keyed(tiny_run: Path) -> None:
    folder = tiny_run / "data" / "200"
    for source, tables in {
        "crm": ["contacts", "owners"],
        "billing": ["invoices", "invoice_line_items"],
        "finance": ["fx_rates"],
    }.items():
        for table in tables:
            assert (folder / source / f"{table}.parquet").stat().st_size > 0
    key = json.loads((folder / "bench_key.json").read_text())["key"]
    assert key == {"customers": 200, "seed": 42, "months": 36, "format": "parquet"}


def test_same_size_and_seed_reuse_the_data_another_seed_does_not(
    bench: ModuleType, tiny_run: Path
) -> None:
    argv = [
        "--sizes",
        "200",
        "--skip-build",
        "--skip-fixed",
        "--workers",
        "1",
        "--out",
        str(tiny_run),
    ]
    generated = read_results(tiny_run)[0]
    recorded = json.loads((tiny_run / "data" / "200" / "bench_generated.json").read_text())
    assert float(generated["generate_s"]) == recorded["seconds"] > 0
    assert bench.main(argv) == 0
    reused = read_results(tiny_run)[0]
    assert reused["generated"] == "reused"
    assert reused["generate_s"] == generated["generate_s"]  # the time recorded with the data
    assert "(recorded)" in (tiny_run / "results.md").read_text(encoding="utf-8")
    assert bench.main([*argv, "--seed", "7"]) == 0
    assert read_results(tiny_run)[0]["generated"] == "generated"
    key = json.loads((tiny_run / "data" / "200" / "bench_key.json").read_text())["key"]
    assert key["seed"] == 7


def checks_by_figure(bench: ModuleType, runs: list[object], make_test: Path) -> dict[str, object]:
    return {check.figure: check for check in bench.target_checks(runs, make_test)}


def million(bench: ModuleType, **values: object) -> object:
    defaults: dict[str, object] = {
        "customers": 1_000_000,
        "generated": "generated",
        "generate_s": 200.0,
        "floor_s": 5.0,
        "build_s": 140.0,
        "build_peak_mib": 7.5 * 1024,
        "daily_s": 21.0,
        "daily_share": 0.15,
    }
    return bench.RunResult("1,000,000 customers", **{**defaults, **values})


def test_targets_not_run_when_no_size_or_demo_ran(bench: ModuleType, tmp_path: Path) -> None:
    small = bench.RunResult("2,000 customers", customers=2_000, build_s=20.0, generated="generated")
    checks = bench.target_checks([small], tmp_path / "absent")
    assert [(c.figure, c.target, c.measured, c.status) for c in checks] == [
        ("daily run / full build at 1M customers", "<= 20%", "not run", "not run"),
        ("daily run / full build at 100k customers", "<= 40%", "not run", "not run"),
        ("full build at 1M customers", "<= 150 s", "not run", "not run"),
        ("peak memory of the full build at 1M", "<= 8 GiB", "not run", "not run"),
        ("demo `dbt build` (fixed cost)", "<= 12 s", "not run", "not run"),
        ("generator, 1M customers", "<= 240 s", "not run", "not run"),
        (
            "`make test` on an idle machine (not measured by the bench)",
            "<= 5 min",
            "not measured",
            "not measured",
        ),
    ]
    bench.mark_targets([small], checks)
    assert small.targets == ""  # no target reads a 2k run


def test_targets_pass(bench: ModuleType, tmp_path: Path) -> None:
    hundred_k = bench.RunResult(
        "100,000 customers",
        customers=100_000,
        generated="generated",
        build_s=40.0,
        daily_s=14.0,
        daily_share=0.35,
    )
    demo = bench.RunResult(
        "demo (fixed cost)",
        customers=800,
        generated="committed",
        build_s=11.5,
        build_args="build --exclude-resource-type unit_test",
        plain_build_s=21.7,
    )
    (tmp_path / "make_test_seconds").write_text("290.4\n")
    runs = [demo, hundred_k, million(bench)]
    checks = checks_by_figure(bench, runs, tmp_path / "make_test_seconds")
    assert {check.status for check in checks.values()} == {"PASS"}
    assert checks["daily run / full build at 1M customers"].measured == "15% (21.0 s / 140.0 s)"
    assert checks["daily run / full build at 100k customers"].measured == "35% (14.0 s / 40.0 s)"
    assert checks["full build at 1M customers"].measured == "140.0 s"
    assert checks["peak memory of the full build at 1M"].measured == "7.5 GiB"
    assert checks["demo `dbt build` (fixed cost)"].measured == (
        "11.5 s (`dbt build --exclude-resource-type unit_test`); plain `dbt build` 21.7 s"
    )
    assert checks["generator, 1M customers"].measured == "200.0 s"
    make_test = checks["`make test` on an idle machine (not measured by the bench)"]
    assert make_test.measured == "290 s (read from target/make_test_seconds)"
    bench.mark_targets(runs, list(checks.values()))
    assert demo.targets.startswith("PASS demo `dbt build` (fixed cost): 11.5 s")
    assert hundred_k.targets == (
        "PASS daily run / full build at 100k customers: 35% (14.0 s / 40.0 s) <= 40%"
    )
    assert runs[2].targets.count("PASS") == 4


def test_targets_fail(bench: ModuleType, tmp_path: Path) -> None:
    # The figures of the last 1M run before these targets (docs/performance.md's history).
    slow = million(
        bench,
        generated="reused",
        generate_s=749.0,
        build_s=212.0,
        build_peak_mib=9 * 1024,
        daily_s=210.0,
        daily_share=0.99,
    )
    hundred_k = bench.RunResult(
        "100k", customers=100_000, build_s=41.6, daily_s=39.3, daily_share=0.945
    )
    demo = bench.RunResult("demo", generated="committed", build_s=12.1, build_args="build")
    (tmp_path / "make_test_seconds").write_text("420")
    checks = checks_by_figure(bench, [demo, hundred_k, slow], tmp_path / "make_test_seconds")
    assert {check.status for check in checks.values()} == {"FAIL"}
    assert checks["daily run / full build at 1M customers"].measured == "99% (210.0 s / 212.0 s)"
    assert checks["daily run / full build at 100k customers"].measured == "94% (39.3 s / 41.6 s)"
    assert checks["peak memory of the full build at 1M"].measured == "9.0 GiB"
    assert checks["generator, 1M customers"].measured == "749.0 s (recorded)"
    assert checks["demo `dbt build` (fixed cost)"].measured == "12.1 s (`dbt build`)"


def test_targets_of_runs_that_did_not_finish_or_were_skipped(
    bench: ModuleType, tmp_path: Path
) -> None:
    killed = million(bench, build_s=2000.0, dbt_status="exit=-15", daily_s=None, daily_share=None)
    checks = checks_by_figure(bench, [killed], tmp_path / "absent")
    assert checks["full build at 1M customers"].status == "FAIL"
    assert checks["full build at 1M customers"].measured == "did not finish (exit=-15)"
    assert checks["peak memory of the full build at 1M"].status == "FAIL"
    daily = checks["daily run / full build at 1M customers"]
    assert (daily.measured, daily.status) == ("full build did not finish", "FAIL")
    assert checks["generator, 1M customers"].status == "PASS"  # 200 s, whatever dbt did

    skipped = million(bench, daily_s=None, daily_share=None)  # --skip-daily
    daily = checks_by_figure(bench, [skipped], tmp_path / "absent")[
        "daily run / full build at 1M customers"
    ]
    assert (daily.measured, daily.status) == ("daily run not run", "not run")

    broken_day = million(bench, daily_status="success=3 exit=2")
    daily = checks_by_figure(bench, [broken_day], tmp_path / "absent")[
        "daily run / full build at 1M customers"
    ]
    assert (daily.measured, daily.status) == ("daily run did not finish", "FAIL")

    generated_only = bench.RunResult(  # --skip-build: the generator's target still applies
        "1M", customers=1_000_000, generated="generated", generate_s=230.0
    )
    checks = checks_by_figure(bench, [generated_only], tmp_path / "absent")
    assert checks["generator, 1M customers"].status == "PASS"
    assert checks["full build at 1M customers"].status == "not run"


def test_make_test_seconds_unreadable_is_not_measured(bench: ModuleType, tmp_path: Path) -> None:
    (tmp_path / "make_test_seconds").write_text("soon\n")
    check = bench.make_test_check(tmp_path / "make_test_seconds")
    assert (check.measured, check.status) == ("not measured", "not measured")


def test_ratios_within_one_run(bench: ModuleType) -> None:
    assert bench.ratio(212.0, 5.2) == 40.769
    assert bench.ratio(21.0, 140.0) == 0.15
    assert bench.ratio(None, 140.0) is None and bench.ratio(21.0, 0.0) is None
    assert [bench.size_name(n) for n in (1_000_000, 100_000, 2_000, 250)] == [
        "1M",
        "100k",
        "2k",
        "250",
    ]


def test_generator_time_recorded_beside_the_key_and_read_from_older_sets(
    bench: ModuleType, tmp_path: Path
) -> None:
    (tmp_path / "bench_key.json").write_text(json.dumps({"key": {}, "seconds": 749.0}))
    assert bench.recorded_generation(tmp_path)["seconds"] == 749.0  # written before the split
    (tmp_path / "bench_generated.json").write_text(json.dumps({"seconds": 12.5}))
    assert bench.recorded_generation(tmp_path)["seconds"] == 12.5
    assert bench.recorded_generation(tmp_path / "nothing") == {}


def test_demo_build_args(bench: ModuleType) -> None:
    assert bench.parse_args([]).demo_build_args == ["build", "--exclude-resource-type", "unit_test"]
    assert bench.parse_args(["--demo-build-args", "build"]).demo_build_args == ["build"]
    with pytest.raises(SystemExit):
        bench.parse_args(["--demo-build-args", ""])


def test_fixed_cost_times_the_production_build_and_the_plain_one(
    bench: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[list[str]] = []

    def fake_dbt(args: list[str], env: dict[str, str], log: Path) -> object:
        calls.append(list(args))
        return bench.Measured(0, 10.0 + len(calls), 1.0, 100.0)

    monkeypatch.setattr(bench, "dbt", fake_dbt)
    result, _ = bench.fixed_cost(tmp_path, ["build", "--exclude-resource-type", "unit_test"])
    assert [call[:2] for call in calls] == [
        ["parse", "--no-partial-parse"],
        ["build", "--exclude-resource-type"],
        ["show", "--inline"],
        ["build"],
    ]
    assert calls[-1] == ["build"]
    assert result.build_args == "build --exclude-resource-type unit_test"
    assert (result.build_s, result.plain_build_s) == (12.0, 14.0)
    assert result.floor_multiple == bench.ratio(12.0, result.floor_s)

    calls.clear()
    result, _ = bench.fixed_cost(tmp_path, ["build"])
    assert [call[0] for call in calls] == ["parse", "build", "show"]  # no second plain build
    assert result.plain_build_s is None


def test_run_results_parsing(bench: ModuleType) -> None:
    results = [
        {"unique_id": "model.revops_warehouse.int_a", "status": "success", "execution_time": 3.5},
        {"unique_id": "model.revops_warehouse.kpi_b", "status": "success", "execution_time": 9.25},
        {"unique_id": "test.revops_warehouse.not_null_x", "status": "pass", "execution_time": 1.0},
        {
            "unique_id": "unit_test.revops_warehouse.kpi_b.case",
            "status": "pass",
            "execution_time": 0.5,
        },
        {
            "unique_id": "seed.revops_warehouse.currencies",
            "status": "success",
            "execution_time": 20.0,
        },
    ]
    assert bench.slowest_models(results) == [("kpi_b", 9.25), ("int_a", 3.5)]
    assert bench.status_summary(results) == "pass=2 success=3"
    assert bench.tests_seconds(results) == 1.5
    assert bench.parse_sizes("10000,100_000") == [10_000, 100_000]


def test_peak_memory_of_the_process_tree(bench: ModuleType, tmp_path: Path) -> None:
    child = "import time; block = bytearray(80 * 2**20); time.sleep(0.6)"
    parent = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {child!r}])"
    measured = bench.run_measured(
        [sys.executable, "-c", parent], {}, tmp_path / "log.txt", poll_s=0.05
    )
    assert measured.returncode == 0
    assert measured.peak_mib >= 80  # the child's block, seen through the parent's tree
    assert measured.wall_s >= 0.6 and measured.cpu_s >= 0


def test_time_by_layer(bench: ModuleType) -> None:
    manifest = {
        "nodes": {
            "model.p.stg_a": {
                "resource_type": "model",
                "fqn": ["p", "staging", "billing", "stg_a"],
            },
            "model.p.kpi_b": {
                "resource_type": "model",
                "name": "kpi_b",
                "fqn": ["p", "marts", "kpi_b"],
            },
            "test.p.unique_stg_a": {
                "resource_type": "test",
                "attached_node": "model.p.stg_a",
                "depends_on": {"nodes": ["model.p.stg_a"]},
            },
            "test.p.bridge": {
                "resource_type": "test",
                "attached_node": None,
                "depends_on": {"nodes": ["model.p.kpi_b", "model.p.stg_a"]},
            },
            "test.p.source_not_null": {
                "resource_type": "test",
                "attached_node": None,
                "depends_on": {"nodes": ["source.p.raw.a"]},
            },
        },
        "sources": {"source.p.raw.a": {"resource_type": "source", "fqn": ["p", "raw", "a"]}},
        "unit_tests": {"unit_test.p.kpi_b.case": {"resource_type": "unit_test", "model": "kpi_b"}},
    }
    results = [
        {"unique_id": "model.p.stg_a", "execution_time": 1.0},
        {"unique_id": "model.p.kpi_b", "execution_time": 2.0},
        {"unique_id": "test.p.unique_stg_a", "execution_time": 3.0},
        {"unique_id": "test.p.bridge", "execution_time": 4.0},
        {"unique_id": "unit_test.p.kpi_b.case", "execution_time": 0.5},
        {"unique_id": "test.p.source_not_null", "execution_time": 0.25},
    ]
    layers, tested = bench.time_by_layer(manifest, results)
    assert layers == {"staging": [1.0, 7.0, 2], "marts": [2.0, 0.5, 1], "source": [0.0, 0.25, 1]}
    assert tested == [("stg_a", 7.0, 2), ("a", 0.25, 1)]
