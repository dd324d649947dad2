"""Write a self-contained HTML page of the KPIs from the published warehouse: MRR and its
movements, ARR, churn and NRR, the funnel, CAC and LTV by channel, and the scorecard of the
latest month with on/off-track marks. Opens the warehouse read-only (it never blocks a build's
publish: the build writes a separate work file).

    python -m scripts.kpi_report --warehouse warehouse.duckdb --out target/kpi_report.html
"""

from __future__ import annotations

import argparse
import html
import sys
from pathlib import Path
from typing import Any

import duckdb
import plotly.graph_objects as go
from plotly.subplots import make_subplots

REPO = Path(__file__).resolve().parents[1]
# Year-on-year growth is plotted only from a base year with at least this many paying customers.
MIN_BASE_CUSTOMERS = 20
MOVEMENTS = [
    ("new_mrr", "New", "#2e7d32"),
    ("expansion_mrr", "Expansion", "#66bb6a"),
    ("reactivation_mrr", "Reactivation", "#a5d6a7"),
    ("contraction_mrr", "Contraction", "#ef9a9a"),
    ("churned_mrr", "Churn", "#c62828"),
]


def rows(connection: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cursor = connection.execute(sql)
    columns = [description[0] for description in cursor.description]
    return [dict(zip(columns, row)) for row in cursor.fetchall()]


def number(value: Any) -> float | None:
    return None if value is None else float(value)


def mrr_figure(mrr: list[dict[str, Any]]) -> go.Figure:
    months = [r["month"] for r in mrr]
    figure = go.Figure()
    for column, label, colour in MOVEMENTS:
        figure.add_bar(
            x=months, y=[number(r[column]) for r in mrr], name=label, marker_color=colour
        )
    figure.add_scatter(
        x=months,
        y=[number(r["ending_mrr"]) for r in mrr],
        name="Ending MRR",
        mode="lines+markers",
        line={"color": "#1565c0", "width": 3},
        yaxis="y2",
    )
    figure.update_layout(
        title="MRR and its movements",
        barmode="relative",
        yaxis={"title": "Movements (USD)"},
        yaxis2={"title": "MRR (USD)", "overlaying": "y", "side": "right", "rangemode": "tozero"},
        legend={"orientation": "h"},
    )
    return figure


def meaningful_growth(arr: list[dict[str, Any]], mrr: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The months whose year-on-year growth means something: the month a year before had at least
    MIN_BASE_CUSTOMERS paying customers. Growth from a handful of early customers runs to
    thousands of per cent and says nothing about the business."""
    customers = {r["month"]: r["paying_customers"] for r in mrr}
    return [
        r
        for r in arr
        if r["arr_growth_yoy"] is not None
        and customers.get(r["month"].replace(year=r["month"].year - 1), 0) >= MIN_BASE_CUSTOMERS
    ]


def arr_figure(arr: list[dict[str, Any]], mrr: list[dict[str, Any]]) -> go.Figure:
    # Growth on a panel of its own, under the ARR bars: a rate and an amount share no axis.
    figure = make_subplots(
        rows=2, cols=1, shared_xaxes=True, row_heights=[0.65, 0.35], vertical_spacing=0.08
    )
    figure.add_bar(
        x=[r["month"] for r in arr], y=[number(r["arr"]) for r in arr], name="ARR", row=1, col=1
    )
    growth = meaningful_growth(arr, mrr)
    figure.add_scatter(
        x=[r["month"] for r in growth],
        y=[number(r["arr_growth_yoy"]) for r in growth],
        name=f"Growth year on year (base >= {MIN_BASE_CUSTOMERS} customers)",
        mode="lines",
        row=2,
        col=1,
    )
    figure.update_layout(title="ARR and its growth year on year", legend={"orientation": "h"})
    figure.update_yaxes(tickformat=".0%", row=2, col=1)
    return figure


def retention_figure(retention: list[dict[str, Any]], churn: list[dict[str, Any]]) -> go.Figure:
    figure = go.Figure()
    months = [r["month"] for r in retention]
    for column, label in [
        ("net_revenue_retention", "NRR (month)"),
        ("gross_revenue_retention", "GRR (month)"),
        ("net_revenue_retention_12m", "NRR (12 months)"),
    ]:
        figure.add_scatter(x=months, y=[number(r[column]) for r in retention], name=label)
    figure.add_scatter(
        x=[r["month"] for r in churn],
        y=[number(r["logo_churn_rate"]) for r in churn],
        name="Logo churn",
        line={"dash": "dot"},
    )
    figure.update_layout(title="Churn and retention", yaxis={"tickformat": ".0%"})
    return figure


def funnel_figure(funnel: list[dict[str, Any]]) -> go.Figure:
    stages = ["lead", "mql", "sql", "opportunity", "customer"]
    # Consecutive pairs only (the whole-funnel row lead -> customer repeats the leads).
    consecutive = [
        r for r in funnel if not (r["from_stage"] == "lead" and r["to_stage"] == "customer")
    ]
    reached = {r["from_stage"]: r["entered"] for r in consecutive}
    reached["customer"] = next(
        (r["converted"] for r in consecutive if r["from_stage"] == "opportunity"), 0
    )
    figure = go.Figure(go.Funnel(y=stages, x=[reached.get(stage, 0) for stage in stages]))
    figure.update_layout(title="Funnel, lead cohorts of the last 12 months (all channels)")
    return figure


def channel_figure(cac: list[dict[str, Any]]) -> go.Figure:
    figure = make_subplots(specs=[[{"secondary_y": True}]])
    channels = [r["channel"] for r in cac]
    figure.add_bar(x=channels, y=[number(r["acquisition_spend"]) for r in cac], name="Spend")
    figure.add_scatter(
        x=channels,
        y=[number(r["cac"]) for r in cac],
        name="CAC",
        mode="markers",
        marker={"size": 12},
        secondary_y=True,
    )
    figure.update_layout(title="Acquisition spend and CAC by channel, last 12 months")
    return figure


def unit_economics_figure(ltv: list[dict[str, Any]]) -> go.Figure:
    figure = make_subplots(specs=[[{"secondary_y": True}]])
    months = [r["month"] for r in ltv]
    figure.add_scatter(x=months, y=[number(r["ltv"]) for r in ltv], name="LTV")
    figure.add_scatter(x=months, y=[number(r["cac"]) for r in ltv], name="CAC (3 months)")
    figure.add_scatter(
        x=months,
        y=[number(r["ltv_to_cac_ratio"]) for r in ltv],
        name="LTV:CAC",
        line={"dash": "dot"},
        secondary_y=True,
    )
    figure.update_layout(title="LTV and CAC")
    return figure


def format_value(value: Any, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "ratio":
        return f"{float(value):.1%}"
    if unit == "currency":
        return f"${float(value):,.0f}"
    if unit == "multiple":
        return f"{float(value):.2f}x"
    return f"{float(value):,.1f}"


def format_change(row: dict[str, Any]) -> str:
    """A rate's change in percentage points (2.0 % -> 2.5 % is +0.5 pp), anything else's in per
    cent of the previous value."""
    if row["unit"] == "ratio":
        return "–" if row["change_mom_pp"] is None else f"{float(row['change_mom_pp']):+.1f} pp"
    return "–" if row["change_mom"] is None else f"{float(row['change_mom']):+.1%}"


def scorecard_table(scorecard: list[dict[str, Any]]) -> str:
    lines = [
        "<table class='scorecard'><tr><th>Department</th><th>KPI</th><th>Value</th>"
        "<th>vs last month</th><th>Target</th><th>On track</th></tr>"
    ]
    for r in scorecard:
        mark = {
            True: "<span class='on'>&#10004; on track</span>",
            False: "<span class='off'>&#10008; off track</span>",
        }.get(r["is_on_track"], "–")
        change = format_change(r)
        # A cohort KPI reads a mature cohort, not the month itself: say which.
        name = html.escape(r["kpi_name"]) + (
            f" <small>(cohort {r['cohort_month']:%b %Y})</small>" if r["cohort_month"] else ""
        )
        lines.append(
            f"<tr><td>{html.escape(r['department'])}</td><td>{name}</td>"
            f"<td>{format_value(r['value'], r['unit'])}</td><td>{change}</td>"
            f"<td>{format_value(r['target'], r['unit'])}</td><td>{mark}</td></tr>"
        )
    lines.append("</table>")
    return "\n".join(lines)


def write_report(warehouse: Path, out: Path) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        as_of = connection.execute("select max(month) from marts.kpi_mrr").fetchone()[0]
        mrr = rows(connection, "select * from marts.kpi_mrr order by month")
        arr = rows(connection, "select * from marts.kpi_arr order by month")
        retention = rows(connection, "select * from marts.kpi_retention_rate order by month")
        churn = rows(connection, "select * from marts.kpi_churn_rate order by month")
        funnel = rows(
            connection,
            f"""
            select from_stage, to_stage, sum(entered) as entered, sum(converted) as converted
            from marts.kpi_funnel_conversion
            where channel = 'all' and cohort_month > date '{as_of}' - interval 12 month
            group by from_stage, to_stage""",
        )
        cac = rows(
            connection,
            f"""
            select channel, sum(acquisition_spend) as acquisition_spend,
                sum(new_customers) as new_customers,
                sum(acquisition_spend) / nullif(sum(new_customers), 0) as cac
            from marts.kpi_cac
            where channel <> 'all' and month > date '{as_of}' - interval 12 month
            group by channel order by acquisition_spend desc""",
        )
        ltv = rows(connection, "select * from marts.kpi_customer_lifetime_value order by month")
        scorecard = rows(
            connection,
            f"""
            select scorecard.*, catalog.kpi_name, catalog.unit
            from marts.kpi_scorecard as scorecard
            inner join reference.kpi_catalog as catalog on scorecard.kpi = catalog.kpi
            where scorecard.month = date '{as_of}'
            order by scorecard.department, catalog.kpi_name""",
        )
    figures = [
        mrr_figure(mrr),
        arr_figure(arr, mrr),
        retention_figure(retention, churn),
        funnel_figure(funnel),
        channel_figure(cac),
        unit_economics_figure(ltv),
    ]
    charts = [
        figure.to_html(full_html=False, include_plotlyjs=(index == 0), default_height=420)
        for index, figure in enumerate(figures)
    ]
    latest = mrr[-1]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>KPI report {as_of:%B %Y}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; color: #222; }}
.headline {{ display: flex; gap: 2rem; margin: 1rem 0 2rem; }}
.headline div {{ background: #f3f6fb; padding: 1rem 1.5rem; border-radius: 8px; }}
.headline b {{ display: block; font-size: 1.6rem; }}
table.scorecard {{ border-collapse: collapse; margin-bottom: 2rem; }}
table.scorecard td, table.scorecard th {{ padding: .35rem .9rem; border-bottom: 1px solid #ddd;
  text-align: left; }}
.on {{ color: #2e7d32; font-weight: 600; }} .off {{ color: #c62828; font-weight: 600; }}
.grid {{ display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }}
</style></head><body>
<h1>KPI report — {as_of:%B %Y}</h1>
<div class="headline">
<div>MRR<b>${float(latest["ending_mrr"]):,.0f}</b></div>
<div>ARR<b>${float(arr[-1]["arr"]):,.0f}</b></div>
<div>Paying customers<b>{latest["paying_customers"]:,}</b></div>
<div>Net new MRR<b>${float(latest["net_new_mrr"]):,.0f}</b></div>
</div>
<h2>Scorecard, {as_of:%B %Y}</h2>
{scorecard_table(scorecard)}
<div class="grid">{"".join(f"<div>{chart}</div>" for chart in charts)}</div>
</body></html>
""")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, default=REPO / "warehouse.duckdb")
    parser.add_argument("--out", type=Path, default=REPO / "target" / "kpi_report.html")
    args = parser.parse_args(argv)
    write_report(args.warehouse, args.out)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
