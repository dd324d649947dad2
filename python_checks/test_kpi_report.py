"""The KPI report: one self-contained HTML page written from the warehouse (no file or network
fetched when it opens), rendered in headless Chromium with its charts and scorecard marks."""

from __future__ import annotations

import re
import subprocess
from datetime import date
from pathlib import Path

import pytest

from python_checks.dbt_runner import REPO
from python_checks.test_docs_page import CHROMIUM, CHROMIUM_FLAGS
from scripts.kpi_report import format_change, meaningful_growth, write_report


@pytest.fixture(scope="module")
def report(demo_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "kpi_report.html"
    write_report(demo_warehouse, out)
    return out


def test_report_is_self_contained(report: Path) -> None:
    page = report.read_text()
    assert not re.search(r"<script[^>]+src=", page), "the page must not load scripts from elsewhere"
    assert "Plotly.newPlot" in page
    for title in (
        "MRR and its movements",
        "ARR",
        "Churn and retention",
        "Funnel",
        "CAC by channel",
        "LTV and CAC",
        "Scorecard",
    ):
        assert title in page


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (make test installs it)")
def test_report_renders_in_a_browser(report: Path, tmp_path: Path) -> None:
    screenshot = REPO / "target" / "kpi_report.png"
    screenshot.parent.mkdir(exist_ok=True)
    args = [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]
    subprocess.run(
        [*args, "--window-size=1400,2600", f"--screenshot={screenshot}", report.as_uri()],
        check=True,
        capture_output=True,
        timeout=120,
    )
    dom = subprocess.run(
        [*args, "--dump-dom", report.as_uri()],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    # Plotly drew its charts (SVG) and the scorecard has its marks.
    assert dom.count('class="main-svg"') >= 6
    assert "on track" in dom
    assert screenshot.stat().st_size > 50_000


def test_growth_is_plotted_only_from_a_meaningful_base_year() -> None:
    """A young company's first-year growth (from 3 customers) is left out; from 20 it counts."""
    arr = [
        {"month": date(2024, 3, 1), "arr_growth_yoy": 40.0},
        {"month": date(2024, 4, 1), "arr_growth_yoy": 1.5},
        {"month": date(2024, 5, 1), "arr_growth_yoy": None},
    ]
    mrr = [
        {"month": date(2023, 3, 1), "paying_customers": 3},
        {"month": date(2023, 4, 1), "paying_customers": 20},
    ]
    assert [r["month"] for r in meaningful_growth(arr, mrr)] == [date(2024, 4, 1)]


def test_a_rate_changes_in_percentage_points() -> None:
    """Logo churn 2.0 % -> 2.5 %: +0.5 pp (not +25 %); an amount changes in per cent."""
    rate = {"unit": "ratio", "change_mom": 0.25, "change_mom_pp": 0.5}
    amount = {"unit": "currency", "change_mom": 0.25, "change_mom_pp": None}
    assert format_change(rate) == "+0.5 pp"
    assert format_change(amount) == "+25.0%"


def test_the_funnel_kpi_names_its_cohort(report: Path) -> None:
    assert re.search(
        r"Lead-to-customer conversion <small>\(cohort [A-Z][a-z]{2} \d{4}\)</small>",
        report.read_text(),
    )
