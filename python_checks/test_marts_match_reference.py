"""The independent check: the marts equal a plain-Python implementation of the definitions
(python_checks/reference, no SQL, no code shared with the models) to the cent and to the
customer, on the demo data and on randomly generated raw data sets: the revenue half (MRR, ARR,
ARPU, churn, retention, cohorts) and the funnel, sales and acquisition half (conversion, sales
cycle and velocity, CAC, LTV, first-touch channels)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from python_checks.conftest import DEMO_RAW_DIR
from python_checks.dbt_runner import BUILD_DATA_TESTS, REPO, run_dbt
from python_checks.marts_comparison import funnel_differences, revenue_differences

# (seed, paying customers, months, start): different sizes, lengths and calendars. The small
# company (seed 6) has a 3-month window with spend and churn but no new customer (June 2025):
# CAC, LTV:CAC and payback undefined (null), where one division gave LTV:CAC = 0.
RANDOM_DATA_SETS = [
    (7, 60, 14, "2024-03-01"),
    (2024, 150, 30, "2022-11-01"),
    (6, 6, 18, "2024-01-01"),
]


def test_demo_revenue_marts_equal_the_reference(demo_warehouse: Path) -> None:
    assert revenue_differences(demo_warehouse, DEMO_RAW_DIR) == []


def test_demo_funnel_and_acquisition_marts_equal_the_reference(demo_warehouse: Path) -> None:
    assert funnel_differences(demo_warehouse, DEMO_RAW_DIR) == []


@pytest.mark.parametrize("seed,customers,months,start", RANDOM_DATA_SETS)
def test_random_data_marts_equal_the_reference(
    tmp_path: Path, seed: int, customers: int, months: int, start: str
) -> None:
    raw_dir = tmp_path / "raw"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "generator.raw_data",
            "--out",
            str(raw_dir),
            "--seed",
            str(seed),
            "--customers",
            str(customers),
            "--months",
            str(months),
            "--start",
            start,
        ],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    build = run_dbt(
        BUILD_DATA_TESTS,
        tmp_path / "warehouse.duckdb",
        tmp_path / "target",
        raw_dir=raw_dir,
    )
    assert build.returncode == 0, build.output[-5000:]
    assert revenue_differences(tmp_path / "warehouse.duckdb", raw_dir) == []
    assert funnel_differences(tmp_path / "warehouse.duckdb", raw_dir) == []
