"""Checks of bench/run_benchmark.py's own logic (not a timed test): a tiny run without dbt,
data reuse keyed by size/seed, the results files' columns, the targets and run_results parsing."""

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
    "build_s",
    "build_cpu_s",
    "build_peak_mib",
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
    assert bench.main([*argv, "--seed", "7"]) == 0
    assert read_results(tiny_run)[0]["generated"] == "generated"
    key = json.loads((tiny_run / "data" / "200" / "bench_key.json").read_text())["key"]
    assert key["seed"] == 7


def test_targets(bench: ModuleType) -> None:
    runs = [
        bench.RunResult("10k", customers=10_000, build_s=10.0),
        bench.RunResult("100k", customers=100_000, build_s=55.0),
        bench.RunResult(
            "1M",
            customers=1_000_000,
            build_s=700.0,
            build_peak_mib=9 * 1024,
            daily_s=84.0,
            daily_share=0.12,
        ),
    ]
    bench.check_targets(runs)
    assert runs[0].targets == ""
    assert (
        "PASS build 55s <= 60s" in runs[1].targets
        and "PASS x10 customers -> x5.5 time" in runs[1].targets
    )
    assert "FAIL build 700s <= 300s" in runs[2].targets
    assert "FAIL peak 9.0GiB <= 8GiB" in runs[2].targets
    assert "FAIL x10 customers -> x12.7 time <= x12" in runs[2].targets
    assert "FAIL daily run 12% of the full build <= 10%" in runs[2].targets
    quick_day = [
        bench.RunResult(
            "1M",
            customers=1_000_000,
            build_s=280.0,
            build_peak_mib=1024,
            daily_s=25.0,
            daily_share=0.089,
        )
    ]
    bench.check_targets(quick_day)
    assert "PASS daily run 9% of the full build <= 10%" in quick_day[0].targets
    killed = [bench.RunResult("1M", customers=1_000_000, build_s=2000.0, dbt_status="exit=-15")]
    bench.check_targets(killed)
    assert killed[0].targets == "FAIL build did not finish (exit=-15)"


def test_generator_time_recorded_beside_the_key_and_read_from_older_sets(
    bench: ModuleType, tmp_path: Path
) -> None:
    (tmp_path / "bench_key.json").write_text(json.dumps({"key": {}, "seconds": 749.0}))
    assert bench.recorded_generation(tmp_path)["seconds"] == 749.0  # written before the split
    (tmp_path / "bench_generated.json").write_text(json.dumps({"seconds": 12.5}))
    assert bench.recorded_generation(tmp_path)["seconds"] == 12.5
    assert bench.recorded_generation(tmp_path / "nothing") == {}


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
