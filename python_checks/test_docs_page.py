"""dbt docs is the front door: the single-file static page opens in a real headless Chromium and
shows the project overview, every KPI model and its formula. A screenshot lands in target/."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from python_checks.dbt_runner import REPO, DbtRun, run_dbt

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# The flags this machine's closed network needs (no background calls home).
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Each KPI model with a phrase of its formula that must be on its page.
KPI_PAGES = {
    "kpi_mrr": "ending_mrr = starting_mrr + new + expansion",
    "kpi_arr": "arr = 12 x ending MRR",
    "kpi_arpu": "arpu = MRR / paying customers",
    "kpi_churn_rate": "logo_churn_rate = customers churned in M / customers_at_start",
    "kpi_retention_rate": "net_revenue_retention = (starting MRR",
    "kpi_cohort_retention": "net_revenue_retention = mrr / cohort_starting_mrr",
    "kpi_funnel_conversion": "conversion_rate = converted / entered",
    "kpi_sales_cycle_length": "cycle = days from",
    "kpi_sales_velocity": "sales_velocity = opportunities x win_rate x avg_deal_size",
    "kpi_cac": "new paying customers of the month",
    "kpi_customer_lifetime_value": "ltv = arpu x gross_margin / logo_churn_rate_3m",
    "kpi_scorecard": "attainment = value / target",
}

pytestmark = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("REVOPS_REQUIRE_BROWSER"),
    reason="Chromium is not installed (make test installs Debian's chromium)",
)


@pytest.fixture(scope="module")
def static_page(demo_build: DbtRun, demo_warehouse: Path) -> Path:
    page = demo_build.target_path / "static_index.html"
    if not page.exists():
        run = run_dbt(["docs", "generate", "--static"], demo_warehouse, demo_build.target_path)
        assert run.returncode == 0, run.output[-3000:]
    return page


def take_screenshot(page: Path, fragment: str, tmp_path: Path, screenshot: Path) -> None:
    """A picture of the page at `fragment`, once its scripts ran, as Chromium renders it."""
    assert CHROMIUM, "Chromium is required: make test installs Debian's chromium package"
    subprocess.run(
        [
            CHROMIUM,
            *CHROMIUM_FLAGS,
            "--virtual-time-budget=20000",
            f"--user-data-dir={tmp_path / 'chromium-profile'}",
            "--window-size=1400,1000",
            f"--screenshot={screenshot}",
            f"{page.as_uri()}#!/{fragment}",
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )


# A page of our own that opens the docs page once in a frame, then goes to each route in turn
# as a reader clicking through would, and writes down the text each one shows: one Chromium
# load of the 5 MB page instead of one per route (about 1.7 s each).
TOUR = """<!doctype html><html><body><pre id="out"></pre>
<iframe id="docs" style="width:1400px;height:1000px"></iframe>
<script>
const routes = ROUTES;
const frame = document.getElementById("docs");
const out = document.getElementById("out");
let shown = 0;
function note() {
  out.append("\\n=== " + routes[shown] + " ===\\n" + frame.contentDocument.body.innerText);
  shown += 1;
  if (shown < routes.length) {
    frame.contentWindow.location.hash = "#!/" + routes[shown];
    setTimeout(note, 1000);
  } else {
    out.append("\\n=== end of the tour ===\\n");
  }
}
frame.onload = () => setTimeout(note, 2000);
frame.src = PAGE + "#!/" + routes[0];
</script></body></html>
"""


@pytest.fixture(scope="module")
def shown(static_page: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The text each route of the docs page shows in Chromium, by route."""
    assert CHROMIUM, "Chromium is required: make test installs Debian's chromium package"
    folder = tmp_path_factory.mktemp("docs_tour")
    routes = ["overview", *(f"model/model.revops_warehouse.{model}" for model in KPI_PAGES)]
    tour = folder / "tour.html"
    page = json.dumps(static_page.as_uri())
    tour.write_text(TOUR.replace("ROUTES", json.dumps(routes)).replace("PAGE", page))
    done = subprocess.run(
        [
            CHROMIUM,
            *CHROMIUM_FLAGS,
            "--virtual-time-budget=60000",
            # The tour reads the docs page's frame: both are local files, which Chromium keeps
            # apart unless told otherwise.
            "--allow-file-access-from-files",
            f"--user-data-dir={folder / 'chromium-profile'}",
            "--dump-dom",
            tour.as_uri(),
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "=== end of the tour ===" in done.stdout, done.stdout[-2000:]
    parts = re.split(r"\n=== ([a-z_./]+) ===\n", done.stdout)
    return dict(zip(parts[1::2], parts[2::2]))


def test_overview_explains_the_layers_and_the_kpis(
    static_page: Path, shown: dict[str, str], tmp_path: Path
) -> None:
    for phrase in ("RevOps analytics warehouse", "The layers", "kpi_scorecard", "quarantined_rows"):
        assert phrase in shown["overview"]
    screenshot = REPO / "target" / "docs_overview.png"
    screenshot.parent.mkdir(exist_ok=True)
    take_screenshot(static_page, "overview", tmp_path, screenshot)
    assert screenshot.stat().st_size > 10_000


@pytest.mark.parametrize("model,formula", sorted(KPI_PAGES.items()))
def test_kpi_page_shows_its_formula(shown: dict[str, str], model: str, formula: str) -> None:
    text = shown[f"model/model.revops_warehouse.{model}"]
    assert model in text
    assert formula in text, f"the formula of {model} is not on its docs page"
