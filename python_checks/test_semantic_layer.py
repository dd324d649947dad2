"""The semantic layer (models/semantic/): `mf query` gives the marts' numbers.

Each metric is asked of MetricFlow the way a BI tool asks it and compared with the mart read
directly: money to the cent (MetricFlow sums unrounded amounts, the marts round the same sums, so
they differ by at most half a cent), counts exactly, rates within 1e-9. Over a quarter or a year,
balances (MRR, paying customers) must be the period's last month, never a sum, and rates are pooled
over its months.

`mf` reads the semantic manifest from `<project dir>/target/semantic_manifest.json` only (it
ignores DBT_TARGET_PATH), so the checks point it (DBT_PROJECT_DIR) at a stand-in project directory
whose `target` is the test build's target directory; the warehouse comes from the profile
(DBT_PROFILES_DIR, DBT_DUCKDB_PATH). Skipped when dbt-metricflow is not installed in this venv.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from collections import defaultdict
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from python_checks.dbt_runner import REPO, DbtRun, query

MF = Path(sys.executable).with_name("mf")

pytestmark = pytest.mark.skipif(
    not MF.exists(),
    reason=f"dbt-metricflow is not installed in this venv (no {MF}): "
    "pip install 'dbt-metricflow[dbt-duckdb]==0.15.0' to check the semantic layer",
)

HALF_CENT = 0.005 + 1e-6  # a mart amount rounded to the cent against MetricFlow's unrounded sum
RATE_TOLERANCE = 1e-9

Row = dict[str, Any]
ByMonth = dict[date, Row]

MONEY = {
    "mrr": "ending_mrr",
    "arr": "arr",
    "starting_mrr": "starting_mrr",
    "net_new_mrr": "net_new_mrr",
    "new_mrr": "new_mrr",
    "expansion_mrr": "expansion_mrr",
    "reactivation_mrr": "reactivation_mrr",
    "contraction_mrr": "contraction_mrr",
    "churned_mrr": "churned_mrr",
    "arpu": "arpu",
}
COUNTS = {
    "paying_customers": "paying_customers",
    "customers_at_start": "customers_at_start",
    "new_customers": "new_customers",
    "reactivated_customers": "reactivated_customers",
    "churned_customers": "churned_customers",
}
RATES = {
    "logo_churn_rate": "logo_churn_rate",
    "logo_retention_rate": "logo_retention_rate",
    "gross_mrr_churn_rate": "gross_mrr_churn_rate",
    "net_mrr_churn_rate": "net_mrr_churn_rate",
    "gross_revenue_retention": "gross_revenue_retention",
    "net_revenue_retention": "net_revenue_retention",
}


@pytest.fixture(scope="module")
def run_mf(
    demo_build: DbtRun, demo_warehouse: Path, tmp_path_factory: pytest.TempPathFactory
) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Runs `mf <args>` on the demo warehouse and the semantic manifest of the same build."""
    assert (demo_build.target_path / "semantic_manifest.json").exists(), (
        f"the build wrote no semantic_manifest.json in {demo_build.target_path}"
    )
    project = tmp_path_factory.mktemp("mf_project")
    (project / "dbt_project.yml").symlink_to(REPO / "dbt_project.yml")
    # A copy of the build's artifacts, not a link to them: MetricFlow may rewrite its project's
    # target/, and other checks read the build's manifest at the same time.
    (project / "target").mkdir()
    for artifact in demo_build.target_path.glob("*.json"):
        shutil.copy(artifact, project / "target" / artifact.name)
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(REPO / ".dbt"),
        "DBT_PROJECT_DIR": str(project),
        "DBT_DUCKDB_PATH": str(demo_warehouse),
        "DBT_LOG_PATH": str(project / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    env.pop("DBT_TARGET_PATH", None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(MF), *args], cwd=project, env=env, capture_output=True, text=True, check=False
        )

    return run


@pytest.fixture(scope="module")
def mf_query(
    run_mf: Callable[..., subprocess.CompletedProcess[str]],
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[..., list[Row]]:
    """`mf query <args>` as rows: metric_time as a date, dimensions as text, metrics as floats."""
    out = tmp_path_factory.mktemp("mf_query") / "result.csv"

    def run(*args: str) -> list[Row]:
        out.unlink(missing_ok=True)
        completed = run_mf("query", *args, "--csv", str(out), "--quiet")
        assert completed.returncode == 0 and out.exists(), completed.stdout + completed.stderr
        with out.open(newline="") as handle:
            rows = list(csv.DictReader(handle))
        parsed: list[Row] = []
        for row in rows:
            record: Row = {}
            for column, value in row.items():
                if column.startswith("metric_time__"):
                    record[column] = date.fromisoformat(value[:10])
                elif "__" in column:
                    record[column] = value or None
                else:
                    record[column] = None if value == "" else float(value)
            parsed.append(record)
        return parsed

    return run


def mart(db_path: Path, sql: str) -> ByMonth:
    """Rows of a mart query keyed by its first column (the month); numbers as floats."""
    with duckdb.connect(str(db_path), read_only=True) as connection:
        cursor = connection.execute(sql)
        names = [column[0] for column in cursor.description]
        rows = cursor.fetchall()
    return {
        row[0]: {
            name: float(value) if isinstance(value, (Decimal, int)) else value
            for name, value in zip(names, row)
        }
        for row in rows
    }


def quarter_of(month: date) -> date:
    return date(month.year, 3 * ((month.month - 1) // 3) + 1, 1)


def assert_close(label: str, actual: Any, expected: Any, tolerance: float) -> None:
    if expected is None:
        assert actual is None, f"{label}: expected null, got {actual}"
        return
    assert actual is not None, f"{label}: expected {expected}, got null"
    assert abs(float(actual) - float(expected)) <= tolerance, (
        f"{label}: semantic layer {actual} != mart {expected}"
    )


@pytest.fixture(scope="module")
def revenue_marts(demo_warehouse: Path) -> ByMonth:
    return mart(
        demo_warehouse,
        """
        select
            m.month, m.starting_mrr, m.new_mrr, m.expansion_mrr, m.reactivation_mrr,
            m.contraction_mrr, m.churned_mrr, m.net_new_mrr, m.ending_mrr, m.paying_customers,
            m.new_customers, m.reactivated_customers, m.quick_ratio, a.arr, p.arpu,
            c.customers_at_start, c.churned_customers, c.logo_churn_rate, c.gross_mrr_churn_rate,
            c.net_mrr_churn_rate, r.logo_retention_rate, r.gross_revenue_retention,
            r.net_revenue_retention
        from marts.kpi_mrr as m
        inner join marts.kpi_arr as a on m.month = a.month
        inner join marts.kpi_arpu as p on m.month = p.month
        inner join marts.kpi_churn_rate as c on m.month = c.month
        inner join marts.kpi_retention_rate as r on m.month = r.month
        order by m.month
        """,
    )


def test_mf_validate_configs_passes(
    run_mf: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    """Semantic validations and the warehouse validations (every dimension, measure and metric
    queried once)."""
    completed = run_mf("validate-configs")
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_revenue_metrics_by_month_equal_the_revenue_marts(
    mf_query: Callable[..., list[Row]], revenue_marts: ByMonth
) -> None:
    metrics = [*MONEY, *COUNTS, *RATES, "quick_ratio"]
    rows = mf_query("--metrics", ",".join(metrics), "--group-by", "metric_time__month")
    by_month = {row["metric_time__month"]: row for row in rows}
    assert sorted(by_month) == sorted(revenue_marts), "months differ from kpi_mrr"
    for month, expected in revenue_marts.items():
        actual = by_month[month]
        for metric, column in MONEY.items():
            assert_close(f"{month} {metric}", actual[metric], expected[column], HALF_CENT)
        for metric, column in COUNTS.items():
            assert actual[metric] == expected[column], f"{month} {metric}"
        for metric, column in RATES.items():
            assert_close(f"{month} {metric}", actual[metric], expected[column], RATE_TOLERANCE)
        quick_ratio = expected["quick_ratio"]
        tolerance = RATE_TOLERANCE * max(1.0, abs(quick_ratio or 0))
        assert_close(f"{month} quick_ratio", actual["quick_ratio"], quick_ratio, tolerance)


def test_mrr_by_plan_adds_up_to_the_month(
    mf_query: Callable[..., list[Row]], revenue_marts: ByMonth, demo_warehouse: Path
) -> None:
    rows = mf_query("--saved-query", "mrr_by_month_by_plan")
    assert len({row["customer__current_plan"] for row in rows}) >= 3
    mrr: dict[date, float] = defaultdict(float)
    paying: dict[date, float] = defaultdict(float)
    for row in rows:
        mrr[row["metric_time__month"]] += row["mrr"] or 0
        paying[row["metric_time__month"]] += row["paying_customers"] or 0
    assert sorted(mrr) == sorted(revenue_marts)
    for month, expected in revenue_marts.items():
        assert_close(f"{month} MRR over plans", mrr[month], expected["ending_mrr"], HALF_CENT)
        assert paying[month] == expected["paying_customers"], month

    # Each plan in the as-of month against the customer facts read directly (which round each
    # customer to the cent: within half a cent per customer).
    as_of_month = max(revenue_marts)
    facts = query(
        demo_warehouse,
        "select dim.current_plan, sum(fct.mrr), count(*), count(*) filter (where fct.is_paying) "
        "from marts.fct_mrr_movements as fct inner join marts.dim_customers as dim "
        "on fct.customer_id = dim.customer_id "
        f"where fct.month = date '{as_of_month}' group by dim.current_plan",
    )
    by_plan = {
        row["customer__current_plan"]: row
        for row in rows
        if row["metric_time__month"] == as_of_month
    }
    assert set(by_plan) == {plan for plan, *_ in facts}
    for plan, fact_mrr, customers, fact_paying in facts:
        assert_close(f"{plan} MRR", by_plan[plan]["mrr"], fact_mrr, 0.005 * customers + 1e-6)
        assert by_plan[plan]["paying_customers"] == fact_paying, plan


def test_balances_over_a_quarter_or_year_are_its_last_month_and_rates_pool_its_months(
    mf_query: Callable[..., list[Row]], revenue_marts: ByMonth, demo_warehouse: Path
) -> None:
    rows = mf_query(
        "--metrics",
        "mrr,arr,paying_customers,arpu,starting_mrr,customers_at_start,new_customers,"
        "net_new_mrr,logo_churn_rate,gross_revenue_retention,blended_cac",
        "--group-by",
        "metric_time__quarter",
    )
    cac = mart(
        demo_warehouse,
        "select month, acquisition_spend, new_customers from marts.kpi_cac where channel = 'all'",
    )
    quarters: dict[date, list[date]] = defaultdict(list)
    for month in revenue_marts:
        quarters[quarter_of(month)].append(month)
    by_quarter = {row["metric_time__quarter"]: row for row in rows}
    assert set(quarters) <= set(by_quarter)
    for quarter, months in quarters.items():
        actual = by_quarter[quarter]
        first, last = revenue_marts[min(months)], revenue_marts[max(months)]
        kpis = [revenue_marts[month] for month in months]
        # Balances: the last month; opening balances: the first month.
        assert_close(f"{quarter} mrr", actual["mrr"], last["ending_mrr"], HALF_CENT)
        assert_close(f"{quarter} arr", actual["arr"], last["arr"], HALF_CENT)
        assert_close(f"{quarter} arpu", actual["arpu"], last["arpu"], HALF_CENT)
        assert actual["paying_customers"] == last["paying_customers"], quarter
        assert_close(
            f"{quarter} starting_mrr", actual["starting_mrr"], first["starting_mrr"], HALF_CENT
        )
        assert actual["customers_at_start"] == first["customers_at_start"], quarter
        # Flows: the sum of the months.
        assert actual["new_customers"] == sum(kpi["new_customers"] for kpi in kpis), quarter
        net_new = sum(kpi["net_new_mrr"] for kpi in kpis)
        assert_close(
            f"{quarter} net_new_mrr", actual["net_new_mrr"], net_new, HALF_CENT * len(kpis)
        )
        # Rates: sum of the months' numerators over the sum of their denominators.
        at_start = sum(kpi["customers_at_start"] for kpi in kpis)
        churned = sum(kpi["churned_customers"] for kpi in kpis)
        expected_churn = churned / at_start if at_start else None
        assert_close(
            f"{quarter} logo churn", actual["logo_churn_rate"], expected_churn, RATE_TOLERANCE
        )
        base = sum(kpi["starting_mrr"] for kpi in kpis)
        retained = sum(
            kpi["starting_mrr"] + kpi["churned_mrr"] + kpi["contraction_mrr"] for kpi in kpis
        )
        expected_grr = retained / base if base else None
        # The marts' amounts are rounded: three half-cents a month, relative to the base.
        tolerance = 0.015 * len(kpis) / base if base else 0.0
        assert_close(f"{quarter} GRR", actual["gross_revenue_retention"], expected_grr, tolerance)
        cac_months = [month for month in cac if quarter_of(month) == quarter]
        spend = sum(cac[month]["acquisition_spend"] for month in cac_months)
        new = sum(cac[month]["new_customers"] for month in cac_months)
        expected_cac = spend / new if new else None
        assert_close(f"{quarter} blended CAC", actual["blended_cac"], expected_cac, 1e-6)

    years = mf_query("--metrics", "mrr,paying_customers", "--group-by", "metric_time__year")
    assert len(years) == len({month.year for month in revenue_marts})
    for row in years:
        year = row["metric_time__year"].year
        last = revenue_marts[max(month for month in revenue_marts if month.year == year)]
        assert_close(f"{year} mrr", row["mrr"], last["ending_mrr"], HALF_CENT)
        assert row["paying_customers"] == last["paying_customers"], year


def test_go_to_market_metrics_by_month_equal_their_marts(
    mf_query: Callable[..., list[Row]], demo_warehouse: Path
) -> None:
    by_month: dict[date, Row] = defaultdict(dict)
    rows = mf_query(
        "--metrics",
        "leads,leads_converted_to_customers,lead_to_customer_conversion,opportunities,"
        "closed_deals,won_deals,win_rate,sales_cycle_days,acquisition_spend,new_customers,"
        "blended_cac",
        "--group-by",
        "metric_time__month",
    )
    for row in rows:
        by_month[row["metric_time__month"]].update(row)

    funnel = mart(
        demo_warehouse,
        "select cohort_month, entered, converted, conversion_rate from marts.kpi_funnel_conversion "
        "where channel = 'all' and from_stage = 'lead' and to_stage = 'customer'",
    )
    velocity = mart(
        demo_warehouse,
        "select month, opportunities, closed_deals, won_deals, win_rate "
        "from marts.kpi_sales_velocity where pipeline = 'all'",
    )
    cycle = mart(
        demo_warehouse,
        "select month, avg_sales_cycle_days from marts.kpi_sales_cycle_length "
        "where pipeline = 'all'",
    )
    cac = mart(
        demo_warehouse,
        "select month, acquisition_spend, new_customers, cac from marts.kpi_cac "
        "where channel = 'all'",
    )
    assert funnel and velocity and cycle and cac
    for month, expected in funnel.items():
        actual = by_month[month]
        assert actual["leads"] == expected["entered"], month
        assert actual["leads_converted_to_customers"] == expected["converted"], month
        assert_close(
            f"{month} lead-to-customer conversion",
            actual["lead_to_customer_conversion"],
            expected["conversion_rate"],
            RATE_TOLERANCE,
        )
    for month, expected in velocity.items():
        actual = by_month[month]
        for metric in ("opportunities", "closed_deals", "won_deals"):
            assert actual[metric] == expected[metric], (month, metric)
        assert_close(f"{month} win rate", actual["win_rate"], expected["win_rate"], RATE_TOLERANCE)
    for month, expected in cycle.items():
        assert_close(
            f"{month} sales cycle days",
            by_month[month]["sales_cycle_days"],
            expected["avg_sales_cycle_days"],
            RATE_TOLERANCE,
        )
    for month, expected in cac.items():
        actual = by_month[month]
        assert actual["acquisition_spend"] == expected["acquisition_spend"], month
        new = expected["new_customers"]
        assert (actual["new_customers"] or 0) == new, month
        # kpi_cac divides the unrounded spend; the semantic layer divides the mart's spend,
        # rounded to the cent: within half a cent plus half a cent per new customer.
        tolerance = HALF_CENT + (0.005 / new if new else 0)
        assert_close(f"{month} blended CAC", actual["blended_cac"], expected["cac"], tolerance)
