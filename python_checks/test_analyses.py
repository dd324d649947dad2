"""The analyses BI users start from compile and run on the demo warehouse, and return rows."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from python_checks.dbt_runner import REPO, DbtRun, run_dbt

ANALYSES = sorted(path.stem for path in (REPO / "analyses").glob("*.sql"))


@pytest.fixture(scope="module")
def compiled(
    demo_build: DbtRun, demo_warehouse: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    target = tmp_path_factory.mktemp("analyses_target")
    run = run_dbt(["compile", "--select", "path:analyses"], demo_warehouse, target)
    assert run.returncode == 0, run.output[-3000:]
    return target / "compiled" / "revops_warehouse" / "analyses"


def test_the_four_starting_points_exist() -> None:
    assert {
        "mrr_waterfall_last_12_months",
        "funnel_by_channel_last_quarter",
        "kpi_scorecard_latest_month",
        "cac_and_ltv_by_channel",
    } <= set(ANALYSES)


@pytest.mark.parametrize("analysis", ANALYSES)
def test_analysis_runs_and_returns_rows(
    compiled: Path, demo_warehouse: Path, analysis: str
) -> None:
    sql = (compiled / f"{analysis}.sql").read_text()
    with duckdb.connect(str(demo_warehouse), read_only=True) as connection:
        rows = connection.execute(sql).fetchall()
    assert rows, f"{analysis} returned no rows"


def test_waterfall_has_twelve_months(compiled: Path, demo_warehouse: Path) -> None:
    sql = (compiled / "mrr_waterfall_last_12_months.sql").read_text()
    with duckdb.connect(str(demo_warehouse), read_only=True) as connection:
        months = connection.execute(f"select count(distinct month) from ({sql})").fetchone()[0]
    assert months == 12
