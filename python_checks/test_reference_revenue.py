"""The revenue reference's own proof: small raw CSV sets written by hand.

Worked examples 1-13 of docs/worked_examples.md are asserted
with their PUBLISHED numbers; the extra cases carry their hand computation in
a comment. Money is compared within 0.01 (the marts round to cents), rates
within 1e-6, counts exactly.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from python_checks.raw_fixture import RawDataSet

sys.path.insert(0, str(Path(__file__).resolve().parent))

from reference import MissingFxRate, compute_revenue, default_as_of_date, load_raw  # noqa: E402

SEEDS_DIR = Path(__file__).resolve().parents[1] / "seeds"


class Raw(RawDataSet):
    """A tiny raw data set, built row by row and written as the CSV layout."""

    def customer(self, cid: str, currency: str = "usd", livemode: bool | None = True) -> None:
        self.add(
            "customers",
            customer_id=cid,
            name=cid,
            currency=currency,
            is_livemode=livemode,
            created_at="2020-01-01 00:00:00",
            is_deleted=False,
        )

    def price(
        self,
        pid: str,
        unit_amount: int,
        interval: str = "month",
        count: int = 1,
        currency: str = "usd",
    ) -> None:
        self.add(
            "prices",
            price_id=pid,
            product_id="prod_" + pid,
            billing_interval=interval,
            interval_count=count,
            unit_amount=unit_amount,
            currency=currency,
            is_active=True,
        )

    def subscription(
        self,
        sid: str,
        cid: str,
        status: str = "active",
        cancel_at_period_end: bool = False,
        ended_at: str | None = None,
    ) -> None:
        self.add(
            "subscriptions",
            subscription_id=sid,
            customer_id=cid,
            status=status,
            created_at="2020-01-01",
            started_at="2020-01-01",
            cancel_at_period_end=cancel_at_period_end,
            ended_at=ended_at,
        )

    def invoice(
        self,
        cid: str,
        sid: str | None,
        created: str,
        status: str = "paid",
        currency: str = "usd",
        tax: int = 0,
        start: str | None = None,
        end: str | None = None,
    ) -> str:
        iid = f"in_{next(self._ids)}"
        self.add(
            "invoices",
            invoice_id=iid,
            customer_id=cid,
            subscription_id=sid,
            status=status,
            billing_reason="subscription_cycle",
            currency=currency,
            created_at=created,
            period_start=start,
            period_end=end,
            tax=tax,
            paid_at=created if status == "paid" else None,
        )
        return iid

    def line(
        self,
        iid: str,
        sid: str | None,
        pid: str | None,
        amount: int,
        start: str,
        end: str,
        discount: int = 0,
        quantity: int = 1,
        line_type: str = "subscription",
        proration: bool = False,
        line_id: str | None = None,
    ) -> str:
        lid = line_id or f"il_{next(self._ids)}"
        self.add(
            "invoice_line_items",
            line_item_id=lid,
            invoice_id=iid,
            subscription_id=sid,
            price_id=pid,
            line_type=line_type,
            is_proration=proration,
            quantity=quantity,
            amount=amount,
            discount_amount=discount,
            period_start=start,
            period_end=end,
        )
        return lid

    def bill(
        self,
        cid: str,
        sid: str,
        pid: str,
        amount: int,
        start: str,
        end: str,
        discount: int = 0,
        quantity: int = 1,
        status: str = "paid",
        currency: str = "usd",
        tax: int = 0,
    ) -> str:
        """One invoice (created at the period start) with one recurring line."""
        iid = self.invoice(
            cid, sid, start, status=status, currency=currency, tax=tax, start=start, end=end
        )
        self.line(iid, sid, pid, amount, start, end, discount=discount, quantity=quantity)
        return iid

    def fx(self, currency: str, rate_date: str, rate: str) -> None:
        self.add("fx_rates", rate_date=rate_date, currency=currency, rate_to_usd=rate)


def monthly_periods(first: str, n: int) -> list[tuple[str, str]]:
    """n consecutive monthly periods starting on date `first` (same day)."""
    start = date.fromisoformat(first)
    out = []
    for k in range(n):
        a = _shift(start, k)
        b = _shift(start, k + 1)
        out.append((a.isoformat(), b.isoformat()))
    return out


def _shift(d: date, months: int) -> date:
    i = d.year * 12 + d.month - 1 + months
    return date(i // 12, i % 12 + 1, d.day)


def subscribe(
    raw: Raw,
    cid: str,
    pid: str,
    amount: int,
    periods: list[tuple[str, str]],
    status: str = "active",
    sid: str | None = None,
    discount: int = 0,
    quantity: int = 1,
    new_customer: bool = True,
    currency: str = "usd",
    ended_at: str | None = None,
    cancel_at_period_end: bool = False,
) -> str:
    """A customer (optionally) with one subscription billed for `periods`."""
    sid = sid or f"sub_{cid}"
    if new_customer:
        raw.customer(cid, currency=currency)
    raw.subscription(
        sid, cid, status=status, ended_at=ended_at, cancel_at_period_end=cancel_at_period_end
    )
    for start, end in periods:
        raw.bill(
            cid,
            sid,
            pid,
            amount,
            start,
            end,
            discount=discount,
            quantity=quantity,
            currency=currency,
        )
    return sid


def run(raw: Raw, tmp_path: Path, as_of: str | None) -> dict[str, list[dict]]:
    raw_dir = raw.write(tmp_path / "raw")
    return compute_revenue(raw_dir, SEEDS_DIR, date.fromisoformat(as_of) if as_of else None)


def m(text: str) -> date:
    """'2024-01' -> date(2024, 1, 1)."""
    year, month = text.split("-")
    return date(int(year), int(month), 1)


def row(marts: dict, mart: str, **where: Any) -> dict:
    found = [r for r in marts[mart] if all(r[k] == v for k, v in where.items())]
    assert len(found) == 1, (mart, where, found)
    return found[0]


def cm(marts: dict, cid: str, month: str) -> dict:
    return row(marts, "customer_mrr_by_month", customer_id=cid, month=m(month))


def money(value: float | None, expected: float) -> bool:
    return value is not None and abs(value - expected) < 0.01


def rate(value: float | None, expected: float) -> bool:
    return value is not None and abs(value - expected) < 1e-6


# ---------------------------------------------------------------------------
# Worked examples (published numbers)
# ---------------------------------------------------------------------------


def test_example_01_mrr_and_arr(tmp_path: Path) -> None:
    raw = Raw()
    raw.price("p5", 500)
    raw.price("p30", 3000)
    for i in range(5):  # 5 customers at $5/month from January
        subscribe(raw, f"c{i}", "p5", 500, monthly_periods("2024-01-01", 2))
    for i in range(5, 7):  # 2 more at $30/month from February
        subscribe(raw, f"c{i}", "p30", 3000, monthly_periods("2024-02-01", 1))
    marts = run(raw, tmp_path, "2024-02-29")
    assert [r["month"] for r in marts["kpi_mrr"]] == [m("2024-01"), m("2024-02")]
    assert money(row(marts, "kpi_mrr", month=m("2024-01"))["ending_mrr"], 25)
    assert money(row(marts, "kpi_mrr", month=m("2024-02"))["ending_mrr"], 85)
    assert money(row(marts, "kpi_arr", month=m("2024-01"))["arr"], 300)
    assert money(row(marts, "kpi_arr", month=m("2024-02"))["arr"], 1020)
    feb = row(marts, "kpi_mrr", month=m("2024-02"))
    assert money(feb["new_mrr"], 60) and feb["new_customers"] == 2  # 2 x 30
    assert row(marts, "kpi_arr", month=m("2024-02"))["arr_growth_yoy"] is None


def test_example_02_quarterly_plan_normalisation(tmp_path: Path) -> None:
    raw = Raw()
    raw.price("q90", 9000, "month", 3)
    subscribe(raw, "c", "q90", 9000, [("2024-01-01", "2024-04-01")], status="canceled")
    marts = run(raw, tmp_path, "2024-03-31")
    for month in ("2024-01", "2024-02", "2024-03"):
        assert money(cm(marts, "c", month)["mrr"], 30)


def test_example_03_arpa(tmp_path: Path) -> None:
    raw = Raw()
    for i, dollars in enumerate([100, 100, 300, 500, 500]):
        raw.price(f"p{i}", dollars * 100)
        subscribe(raw, f"c{i}", f"p{i}", dollars * 100, monthly_periods("2024-01-01", 1))
    marts = run(raw, tmp_path, "2024-01-31")
    arpu = row(marts, "kpi_arpu", month=m("2024-01"))
    assert money(arpu["arpu"], 300)
    assert money(arpu["mrr"], 1500) and arpu["paying_customers"] == 5


def test_example_04_customer_churn(tmp_path: Path) -> None:
    raw = Raw()
    raw.price("p", 1000)
    raw.price("wk", 300, "week")
    # 100 paying at the end of March ([Mar 10, Apr 10) covers Apr 1).
    for i in range(90):  # stay: also pay [Apr 10, May 10)
        subscribe(raw, f"stay{i}", "p", 1000, monthly_periods("2024-03-10", 2))
    for i in range(10):  # cancel in April: last period ends Apr 10
        subscribe(
            raw,
            f"gone{i}",
            "p",
            1000,
            monthly_periods("2024-03-10", 1),
            status="canceled",
            ended_at="2024-04-10",
        )
    # the 11th: joins April 5 on a weekly plan and leaves April 19 -- never
    # paying at a month end.
    subscribe(
        raw,
        "inout",
        "wk",
        300,
        [("2024-04-05", "2024-04-12"), ("2024-04-12", "2024-04-19")],
        status="canceled",
        ended_at="2024-04-19",
    )
    marts = run(raw, tmp_path, "2024-04-30")
    apr = row(marts, "kpi_churn_rate", month=m("2024-04"))
    assert apr["customers_at_start"] == 100
    assert apr["churned_customers"] == 10
    assert rate(apr["logo_churn_rate"], 0.10)
    assert rate(row(marts, "kpi_retention_rate", month=m("2024-04"))["logo_retention_rate"], 0.90)
    assert row(marts, "kpi_mrr", month=m("2024-04"))["new_customers"] == 0
    assert row(marts, "dim_customers_revenue", customer_id="inout")["first_paying_month"] is None


def test_example_05_revenue_churn(tmp_path: Path) -> None:
    raw = Raw()
    for dollars in (10, 20, 30, 40):
        raw.price(f"p{dollars}", dollars * 100)
    jan, feb = ("2024-01-01", "2024-02-01"), ("2024-02-01", "2024-03-01")
    subscribe(raw, "churner", "p10", 1000, [jan], status="canceled")  # -10 churn
    sid = subscribe(raw, "shrinks", "p20", 2000, [jan])
    raw.bill("shrinks", sid, "p10", 1000, *feb)  # 20 -> 10
    sid = subscribe(raw, "grows", "p30", 3000, [jan])
    raw.bill("grows", sid, "p40", 4000, *feb)  # 30 -> 40
    subscribe(raw, "flat", "p40", 4000, [jan, feb])  # 40 -> 40
    marts = run(raw, tmp_path, "2024-02-29")
    churn = row(marts, "kpi_churn_rate", month=m("2024-02"))
    ret = row(marts, "kpi_retention_rate", month=m("2024-02"))
    mrr = row(marts, "kpi_mrr", month=m("2024-02"))
    assert money(mrr["starting_mrr"], 100)
    assert money(mrr["churned_mrr"], -10) and money(mrr["contraction_mrr"], -10)
    assert money(mrr["expansion_mrr"], 10)
    assert rate(churn["gross_mrr_churn_rate"], 0.20)
    assert rate(churn["net_mrr_churn_rate"], 0.10)
    assert rate(ret["gross_revenue_retention"], 0.80)
    assert rate(ret["net_revenue_retention"], 0.90)


def _lifecycle_raw() -> Raw:
    """Worked example 6: Silver $30/month or $300/year, Gold $50/month or
    $500/year; one account 'acme'."""
    raw = Raw()
    raw.price("silver_m", 3000)
    raw.price("silver_y", 30000, "year")
    raw.price("gold_m", 5000)
    raw.price("gold_y", 50000, "year")
    raw.customer("acme")
    # (a) 4 Gold seats yearly, $2,000, paid year [2023-01-15, 2024-01-15); lets it end.
    raw.subscription(
        "gold_year", "acme", status="canceled", cancel_at_period_end=True, ended_at="2024-01-15"
    )
    raw.bill("acme", "gold_year", "gold_y", 200000, "2023-01-15", "2024-01-15", quantity=4)
    # (b) adds 2 Silver monthly seats, $60, from 2023-02-10; (c) cancels it
    # mid-cycle on 2023-04-20, the paid period ending 2023-05-10.
    raw.subscription("silver", "acme", status="canceled", ended_at="2023-05-10")
    for start, end in monthly_periods("2023-02-10", 3):
        raw.bill("acme", "silver", "silver_m", 6000, start, end, quantity=2)
    # (e) returns with 3 Gold monthly seats, $150, from 2024-04-05.
    raw.subscription("gold_month", "acme", status="active")
    for start, end in monthly_periods("2024-04-05", 2):
        raw.bill("acme", "gold_month", "gold_m", 15000, start, end, quantity=3)
    return raw


def test_example_06_account_lifecycle(tmp_path: Path) -> None:
    marts = run(_lifecycle_raw(), tmp_path, "2024-05-31")
    expected = {  # month -> (movement, published amount)
        "2023-01": ("new", 166.67),  # (a) 2000 / 12
        "2023-02": ("expansion", 60),  # (b)
        "2023-05": ("contraction", -60),  # (c) when the Silver period ends
        "2024-01": ("churn", -166.67),  # (d) month in which the paid year ends
        "2024-04": ("reactivation", 150),  # (e)
    }
    for month, (movement, amount) in expected.items():
        r = cm(marts, "acme", month)
        assert r["movement"] == movement, (month, r)
        assert money(r["movement_amount"], amount), (month, r)
    others = [
        r for r in marts["customer_mrr_by_month"] if r["month"].strftime("%Y-%m") not in expected
    ]
    assert others and all(
        r["movement"] == "unchanged" and r["movement_amount"] == 0 for r in others
    )
    # rows from the first paying month to the as-of month: 2023-01..2024-05 = 17
    assert len(marts["customer_mrr_by_month"]) == 17


def test_example_06_derived_marts(tmp_path: Path) -> None:
    """Hand-computed from example 6's MRR path: 166.67 (2023-01), 226.67
    (2023-02..04), 166.67 (2023-05..12), 0 (2024-01..03), 150 (2024-04..05)."""
    marts = run(_lifecycle_raw(), tmp_path, "2024-05-31")
    ret = {r["month"]: r for r in marts["kpi_retention_rate"]}
    # NRR 12m: null without M-12 in the series (series starts 2023-01)
    assert ret[m("2023-12")]["net_revenue_retention_12m"] is None
    # 2024-01: paying at 2023-01 = acme (166.67), now 0 -> 0
    assert rate(ret[m("2024-01")]["net_revenue_retention_12m"], 0.0)
    # 2024-04: base 2023-04 = 226.6667, now 150 -> 150 / (6800/30) = 0.661765
    assert rate(ret[m("2024-04")]["net_revenue_retention_12m"], 150 / (6800 / 30))
    # NRR (monthly) excludes reactivation: 2024-04 starting MRR 0 -> None
    assert ret[m("2024-04")]["net_revenue_retention"] is None
    arr = {r["month"]: r for r in marts["kpi_arr"]}
    # 2024-01: arr 0 vs 2000 a year before -> -1
    # 2024-05: arr 12 x 150 = 1800 vs 2023-05 (Silver gone): 12 x 166.67 = 2000 -> -0.1
    assert rate(arr[m("2024-01")]["arr_growth_yoy"], -1.0)
    assert rate(arr[m("2024-05")]["arr_growth_yoy"], 1800 / 2000 - 1)
    assert arr[m("2023-12")]["arr_growth_yoy"] is None
    # 2024-02: arr 0 vs 2023-02 arr 12 x 226.67 = 2720 -> 0 / 2720 - 1 = -1
    assert rate(arr[m("2024-02")]["arr_growth_yoy"], -1.0)
    cohort = {r["months_since_start"]: r for r in marts["kpi_cohort_retention"]}
    assert sorted(cohort) == list(range(17))  # 2023-01 .. 2024-05
    assert all(
        r["cohort_month"] == m("2023-01")
        and r["cohort_customers"] == 1
        and money(r["cohort_starting_mrr"], 166.67)
        for r in cohort.values()
    )
    assert cohort[12]["active_customers"] == 0 and rate(cohort[12]["logo_retention_rate"], 0)
    # reactivated customers count as active again: k=15 is 2024-04
    assert cohort[15]["active_customers"] == 1 and money(cohort[15]["mrr"], 150)
    assert rate(cohort[15]["net_revenue_retention"], 150 / (2000 / 12))  # 0.9
    assert rate(cohort[1]["net_revenue_retention"], (6800 / 30) / (2000 / 12))  # 1.36
    # months without activity get zero rows; identity holds every month
    months = [r["month"] for r in marts["kpi_mrr"]]
    assert months == [date(2023 + (k // 12), k % 12 + 1, 1) for k in range(17)]
    for r in marts["kpi_mrr"]:
        assert (
            abs(
                r["ending_mrr"]
                - (
                    r["starting_mrr"]
                    + r["new_mrr"]
                    + r["expansion_mrr"]
                    + r["reactivation_mrr"]
                    + r["contraction_mrr"]
                    + r["churned_mrr"]
                )
            )
            < 1e-9
        )
    feb24 = row(marts, "kpi_mrr", month=m("2024-02"))
    assert feb24["paying_customers"] == 0 and feb24["quick_ratio"] is None
    dim = row(marts, "dim_customers_revenue", customer_id="acme")
    assert dim["first_paying_month"] == m("2023-01") and money(dim["current_mrr"], 150)


def test_zero_starting_base_gives_null_rates(tmp_path: Path) -> None:
    """A ratio whose denominator is zero is null, never 0 or 1: example 6's acme is the only
    customer; nobody pays at the start of 2023-01 (first month) nor of 2024-02 and 2024-03
    (churned in 2024-01, back in 2024-04)."""
    marts = run(_lifecycle_raw(), tmp_path, "2024-05-31")
    for month in ("2023-01", "2024-02", "2024-03"):
        churn = row(marts, "kpi_churn_rate", month=m(month))
        assert churn["customers_at_start"] == 0
        assert churn["logo_churn_rate"] is None
        assert churn["gross_mrr_churn_rate"] is None and churn["net_mrr_churn_rate"] is None
        retention = row(marts, "kpi_retention_rate", month=m(month))
        assert retention["logo_retention_rate"] is None
        assert retention["gross_revenue_retention"] is None
        assert retention["net_revenue_retention"] is None
    # nobody paying at the end of the month: ARPU 0 / 0 is null
    assert row(marts, "kpi_arpu", month=m("2024-02"))["arpu"] is None
    # no gains and no losses: quick ratio 0 / 0 is null; 2024-01 lost 166.67, gained 0 -> 0
    assert row(marts, "kpi_mrr", month=m("2024-03"))["quick_ratio"] is None
    assert row(marts, "kpi_mrr", month=m("2024-01"))["quick_ratio"] == 0
    # the first month gained and lost nothing before: 166.67 / 0 is null, not infinity
    assert row(marts, "kpi_mrr", month=m("2023-01"))["quick_ratio"] is None


def test_example_07_baremetrics(tmp_path: Path) -> None:
    raw = Raw()
    raw.price("m10", 1000)
    raw.price("y120", 12000, "year")
    jan = [("2024-01-01", "2024-02-01")]
    for i in range(10):
        subscribe(raw, f"ten{i}", "m10", 1000, jan)
    subscribe(raw, "yearly", "y120", 12000, [("2024-01-01", "2025-01-01")])
    subscribe(raw, "coupon50", "m10", 1000, jan, discount=500)
    subscribe(raw, "coupon100", "m10", 1000, jan, discount=1000)
    marts = run(raw, tmp_path, "2024-01-31")
    ten = sum(
        row(marts, "dim_customers_revenue", customer_id=f"ten{i}")["current_mrr"] for i in range(10)
    )
    assert money(ten, 100)
    assert money(row(marts, "dim_customers_revenue", customer_id="yearly")["current_mrr"], 10)
    assert money(row(marts, "dim_customers_revenue", customer_id="coupon50")["current_mrr"], 5)
    full = row(marts, "dim_customers_revenue", customer_id="coupon100")
    assert full["current_mrr"] == 0 and full["first_paying_month"] is None
    jan_mrr = row(marts, "kpi_mrr", month=m("2024-01"))
    assert jan_mrr["paying_customers"] == 12  # the fully discounted one is not paying
    assert money(jan_mrr["ending_mrr"], 115)  # 100 + 10 + 5


def test_example_08_stripe_yearly_and_discount(tmp_path: Path) -> None:
    raw = Raw()
    raw.price("y1200", 120000, "year")
    year = [("2024-01-01", "2025-01-01")]
    subscribe(raw, "full", "y1200", 120000, year)
    subscribe(raw, "half", "y1200", 120000, year, discount=60000)
    marts = run(raw, tmp_path, "2024-01-31")
    assert money(row(marts, "dim_customers_revenue", customer_id="full")["current_mrr"], 100)
    assert money(row(marts, "dim_customers_revenue", customer_id="half")["current_mrr"], 50)


def test_example_09_stripe_mix(tmp_path: Path) -> None:
    raw = Raw()
    raw.price("m100", 10000)
    raw.price("y600", 60000, "year")
    for i in range(100):
        subscribe(raw, f"m{i}", "m100", 10000, [("2024-01-01", "2024-02-01")])
    for i in range(50):
        subscribe(raw, f"y{i}", "y600", 60000, [("2024-01-01", "2025-01-01")])
    marts = run(raw, tmp_path, "2024-01-31")
    assert money(row(marts, "kpi_mrr", month=m("2024-01"))["ending_mrr"], 12500)


def test_example_10_profitwell_discounts(tmp_path: Path) -> None:
    raw = Raw()
    raw.price("y120", 12000, "year")
    raw.price("m10", 1000)
    subscribe(raw, "yearly", "y120", 12000, [("2024-01-01", "2025-01-01")], discount=1200)
    sid = subscribe(raw, "monthly", "m10", 1000, monthly_periods("2024-01-01", 3), discount=100)
    raw.bill("monthly", sid, "m10", 1000, "2024-04-01", "2024-05-01")  # discount no longer billed
    marts = run(raw, tmp_path, "2024-04-30")
    assert money(cm(marts, "yearly", "2024-04")["mrr"], 9)
    for month in ("2024-01", "2024-02", "2024-03"):
        assert money(cm(marts, "monthly", month)["mrr"], 9)
    apr = cm(marts, "monthly", "2024-04")
    assert money(apr["mrr"], 10) and apr["movement"] == "expansion"


def test_example_11_profitwell_churn_timing(tmp_path: Path) -> None:
    raw = Raw()
    raw.price("m10", 1000)
    raw.customer("c")
    raw.add(
        "subscriptions",
        subscription_id="s",
        customer_id="c",
        status="canceled",
        started_at="2024-04-15",
        canceled_at="2024-06-08",
        ended_at="2024-06-15",
        cancel_at_period_end=True,
    )
    for start, end in monthly_periods("2024-04-15", 2):  # paid through 15 June
        raw.bill("c", "s", "m10", 1000, start, end)
    marts = run(raw, tmp_path, "2024-07-31")
    assert money(cm(marts, "c", "2024-04")["mrr"], 10)
    assert money(cm(marts, "c", "2024-05")["mrr"], 10)
    jun = cm(marts, "c", "2024-06")
    assert jun["movement"] == "churn" and money(jun["movement_amount"], -10)


@pytest.mark.parametrize(
    "moves, expected",
    [
        # 24k vs 4k: new 20k + expansion 4k vs contraction 1k + churn 3k
        (dict(new=20000, expansion=4000, contraction=1000, churn=3000), 6),
        # 30k vs 10k: new 30k vs churn 10k
        (dict(new=30000, churn=10000), 3),
        # 40k vs 20k: reactivation 40k vs contraction 20k
        (dict(reactivation=40000, contraction=20000), 2),
    ],
)
def test_example_12_quick_ratio(tmp_path: Path, moves: dict[str, int], expected: float) -> None:
    raw = Raw()
    p = lambda dollars: (raw.price(f"p{dollars}", dollars * 100), f"p{dollars}")[1]  # noqa: E731
    jan, feb, mar = monthly_periods("2024-01-01", 3)
    raw.price("anchor", 100)
    subscribe(raw, "anchor", "anchor", 100, [jan, feb, mar])  # $1, unchanged
    if "new" in moves:
        subscribe(raw, "new", p(moves["new"]), moves["new"] * 100, [mar])
    if "expansion" in moves:
        sid = subscribe(raw, "exp", p(10000), 1000000, [feb])
        raw.bill(
            "exp", sid, p(10000 + moves["expansion"]), (10000 + moves["expansion"]) * 100, *mar
        )
    if "contraction" in moves:
        sid = subscribe(raw, "con", p(30000), 3000000, [feb])
        raw.bill(
            "con", sid, p(30000 - moves["contraction"]), (30000 - moves["contraction"]) * 100, *mar
        )
    if "churn" in moves:
        subscribe(raw, "churn", p(moves["churn"]), moves["churn"] * 100, [feb], status="canceled")
    if "reactivation" in moves:
        sid = subscribe(raw, "react", p(moves["reactivation"]), moves["reactivation"] * 100, [jan])
        raw.bill("react", sid, p(moves["reactivation"]), moves["reactivation"] * 100, *mar)
    marts = run(raw, tmp_path, "2024-03-31")
    r = row(marts, "kpi_mrr", month=m("2024-03"))
    assert money(r["new_mrr"], moves.get("new", 0))
    assert money(r["expansion_mrr"], moves.get("expansion", 0))
    assert money(r["reactivation_mrr"], moves.get("reactivation", 0))
    assert money(r["contraction_mrr"], -moves.get("contraction", 0))
    assert money(r["churned_mrr"], -moves.get("churn", 0))
    assert rate(r["quick_ratio"], expected)


def test_example_13_fivetran_last_paid_period(tmp_path: Path) -> None:
    raw = Raw()
    raw.price("m", 2500)
    subscribe(
        raw,
        "c",
        "m",
        2500,
        [("2024-04-15", "2024-05-15"), ("2024-05-15", "2024-06-15")],
        status="canceled",
        ended_at="2024-06-15",
    )
    marts = run(raw, tmp_path, "2024-06-30")
    assert money(cm(marts, "c", "2024-05")["mrr"], 25)
    jun = cm(marts, "c", "2024-06")
    assert jun["mrr"] == 0 and jun["movement"] == "churn"
    assert row(marts, "kpi_mrr", month=m("2024-06"))["churned_customers"] == 1


# ---------------------------------------------------------------------------
# Further cases (expected values computed by hand in the comments)
# ---------------------------------------------------------------------------


def test_weekly_plan_normalisation(tmp_path: Path) -> None:
    raw = Raw()
    raw.price("w12", 1200, "week")
    raw.price("w24x2", 2400, "week", 2)
    weeks = [(date(2024, 1, 1).toordinal() + 7 * k) for k in range(9)]
    periods = [
        (date.fromordinal(a).isoformat(), date.fromordinal(a + 7).isoformat()) for a in weeks
    ]
    subscribe(raw, "weekly", "w12", 1200, periods)
    fortnights = [(periods[k][0], periods[k + 1][1]) for k in range(0, 8, 2)]
    subscribe(raw, "biweekly", "w24x2", 2400, fortnights)
    marts = run(raw, tmp_path, "2024-02-29")
    # $12 per week: 12 / (1 x 12/52) = 12 x 52 / 12 = $52 a month
    assert money(cm(marts, "weekly", "2024-01")["mrr"], 52)  # [Jan 29, Feb 5) covers Feb 1
    assert money(cm(marts, "weekly", "2024-02")["mrr"], 52)  # [Feb 26, Mar 4) covers Mar 1
    # $24 every 2 weeks: 24 / (2 x 12/52) = $52
    assert money(cm(marts, "biweekly", "2024-01")["mrr"], 52)


def test_seats_use_the_line_amount(tmp_path: Path) -> None:
    raw = Raw()
    raw.price("seat", 2000)
    subscribe(raw, "c", "seat", 10000, [("2024-01-01", "2024-02-01")], quantity=5)
    marts = run(raw, tmp_path, "2024-01-31")
    assert money(cm(marts, "c", "2024-01")["mrr"], 100)  # 5 seats x $20


def test_positive_proration_starts_new_price_with_discount_share(tmp_path: Path) -> None:
    raw = Raw()
    raw.price("seat", 2000)
    raw.customer("c")
    raw.subscription("s", "c")
    # 5 seats x $20 = $100 with $10 off (share 0.1): MRR 90 from Jan 1.
    raw.bill("c", "s", "seat", 10000, "2024-01-01", "2024-02-01", discount=1000, quantity=5)
    # Jan 15: to 8 seats. Credit (ignored) and charge for the rest of the period.
    iid = raw.invoice("c", "s", "2024-01-15")
    raw.line(iid, "s", "seat", -2742, "2024-01-15", "2024-02-01", quantity=5, proration=True)
    raw.line(iid, "s", "seat", 8774, "2024-01-15", "2024-02-01", quantity=8, proration=True)
    raw.bill("c", "s", "seat", 16000, "2024-02-01", "2024-03-01", discount=1600, quantity=8)
    marts = run(raw, tmp_path, "2024-02-29")
    # from Jan 15: 2000 x 8 x (1 - 0.1) / 100 = $144; the old $90 ends at Jan 15
    jan = cm(marts, "c", "2024-01")
    assert money(jan["mrr"], 144) and jan["movement"] == "new"
    feb = cm(marts, "c", "2024-02")  # (16000 - 1600) / 100 = 144
    assert money(feb["mrr"], 144) and feb["movement"] == "unchanged"


def test_tax_and_one_off_lines_excluded(tmp_path: Path) -> None:
    raw = Raw()
    raw.price("m", 10000)
    raw.customer("c")
    raw.subscription("s", "c")
    # tax of $20 on the invoice, plus a one-off $500 setup fee line
    iid = raw.bill("c", "s", "m", 10000, "2024-01-01", "2024-02-01", tax=2000)
    raw.line(iid, None, None, 50000, "2024-01-01", "2024-01-01", line_type="invoiceitem")
    # a one-off invoice without subscription
    one_off = raw.invoice("c", None, "2024-01-20")
    raw.line(one_off, None, None, 30000, "2024-01-20", "2024-01-20", line_type="invoiceitem")
    marts = run(raw, tmp_path, "2024-01-31")
    assert money(cm(marts, "c", "2024-01")["mrr"], 100)  # only the $100 recurring line


def test_invoice_statuses(tmp_path: Path) -> None:
    raw = Raw()
    raw.price("m", 1000)
    for status in ("paid", "open", "void", "draft", "uncollectible"):
        raw.customer(status)
        raw.subscription(f"s_{status}", status)
        raw.bill(status, f"s_{status}", "m", 1000, "2024-01-01", "2024-02-01", status=status)
    marts = run(raw, tmp_path, "2024-01-31")
    jan = row(marts, "kpi_mrr", month=m("2024-01"))
    assert jan["paying_customers"] == 2 and money(jan["ending_mrr"], 20)  # paid + open
    for status in ("void", "draft", "uncollectible"):
        assert row(marts, "dim_customers_revenue", customer_id=status)["first_paying_month"] is None
    assert money(row(marts, "dim_customers_revenue", customer_id="open")["current_mrr"], 10)


def test_trial_at_zero_is_not_paying(tmp_path: Path) -> None:
    raw = Raw()
    raw.price("m", 1000)
    subscribe(raw, "anchor", "m", 1000, monthly_periods("2024-01-01", 2))
    raw.customer("trial")
    raw.subscription("s_trial", "trial")
    raw.bill("trial", "s_trial", "m", 0, "2024-01-10", "2024-02-10")  # trial at $0
    raw.bill("trial", "s_trial", "m", 1000, "2024-02-10", "2024-03-10")  # then $10
    subscribe(raw, "trial_only", "m", 0, [("2024-01-10", "2024-02-10")], status="canceled")
    marts = run(raw, tmp_path, "2024-02-29")
    assert row(marts, "kpi_mrr", month=m("2024-01"))["paying_customers"] == 1  # anchor only
    feb = cm(marts, "trial", "2024-02")
    assert feb["movement"] == "new" and money(feb["mrr"], 10)
    assert row(marts, "dim_customers_revenue", customer_id="trial")["first_paying_month"] == m(
        "2024-02"
    )
    assert (
        row(marts, "dim_customers_revenue", customer_id="trial_only")["first_paying_month"] is None
    )


def test_churn_then_reactivation_versus_new(tmp_path: Path) -> None:
    raw = Raw()
    raw.price("m10", 1000)
    raw.price("m20", 2000)
    jan, feb, mar = monthly_periods("2024-01-01", 3)
    subscribe(raw, "back", "m10", 1000, [jan], status="canceled", sid="s1")
    subscribe(raw, "back", "m10", 1000, [mar], sid="s2", new_customer=False)
    subscribe(raw, "fresh", "m20", 2000, [mar])
    marts = run(raw, tmp_path, "2024-03-31")
    # back: Jan new +10, Feb churn -10, Mar reactivation +10; fresh: Mar new +20
    assert cm(marts, "back", "2024-01")["movement"] == "new"
    feb = cm(marts, "back", "2024-02")
    assert feb["movement"] == "churn" and money(feb["movement_amount"], -10)
    assert cm(marts, "back", "2024-03")["movement"] == "reactivation"
    assert cm(marts, "fresh", "2024-03")["movement"] == "new"
    r = row(marts, "kpi_mrr", month=m("2024-03"))
    assert r["new_customers"] == 1 and r["reactivated_customers"] == 1
    assert money(r["new_mrr"], 20) and money(r["reactivation_mrr"], 10)
    assert row(marts, "kpi_mrr", month=m("2024-02"))["churned_customers"] == 1
    # cohort 2024-01 (back): active at k=0, not at k=1, again at k=2
    cohort = {
        r["months_since_start"]: r
        for r in marts["kpi_cohort_retention"]
        if r["cohort_month"] == m("2024-01")
    }
    assert [cohort[k]["active_customers"] for k in range(3)] == [1, 0, 1]


def test_second_subscription_starting_as_first_ends(tmp_path: Path) -> None:
    raw = Raw()
    raw.price("m10", 1000)
    raw.price("m15", 1500)
    # mid-month hand-over: 10 -> 15, expansion +5, never churn
    subscribe(raw, "mid", "m10", 1000, [("2024-01-15", "2024-02-15")], status="canceled", sid="a")
    subscribe(raw, "mid", "m15", 1500, [("2024-02-15", "2024-03-15")], sid="b", new_customer=False)
    # hand-over exactly on a month boundary: Jan counts only the first ($10, not 20)
    subscribe(raw, "edge", "m10", 1000, [("2024-01-01", "2024-02-01")], status="canceled", sid="c")
    subscribe(raw, "edge", "m10", 1000, [("2024-02-01", "2024-03-01")], sid="d", new_customer=False)
    marts = run(raw, tmp_path, "2024-02-29")
    assert money(cm(marts, "mid", "2024-01")["mrr"], 10)
    feb = cm(marts, "mid", "2024-02")
    assert feb["movement"] == "expansion" and money(feb["movement_amount"], 5)
    assert money(cm(marts, "edge", "2024-01")["mrr"], 10)
    assert cm(marts, "edge", "2024-02")["movement"] == "unchanged"
    assert all(r["churned_customers"] == 0 for r in marts["kpi_mrr"])


def test_two_currencies_with_fx(tmp_path: Path) -> None:
    raw = Raw()
    raw.price("eur100", 10000, currency="eur")
    raw.price("jpy1500", 1500, currency="JPY")
    raw.fx("Eur", "2023-12-01", "1.10")
    raw.fx("EUR", "2024-01-15", "1.50")  # not yet in effect on Jan 1
    raw.fx("eur", "2024-02-01", "1.20")
    raw.fx("JPY", "2024-01-01", "0.0067")
    subscribe(raw, "eu", "eur100", 10000, monthly_periods("2024-01-01", 2), currency="eur")
    subscribe(raw, "jp", "jpy1500", 1500, monthly_periods("2024-01-01", 2), currency="JPY")
    marts = run(raw, tmp_path, "2024-02-29")
    # EUR: 10000 cents = 100 EUR; Jan 1 -> rate of 2023-12-01 (1.10) = 110; Feb 1 -> 1.20 = 120
    assert money(cm(marts, "eu", "2024-01")["mrr"], 110)
    feb = cm(marts, "eu", "2024-02")
    assert money(feb["mrr"], 120) and feb["movement"] == "expansion"
    # JPY has 0 minor units: 1500 JPY x 0.0067 = 10.05
    assert money(cm(marts, "jp", "2024-01")["mrr"], 10.05)
    assert money(row(marts, "kpi_mrr", month=m("2024-02"))["ending_mrr"], 130.05)


def test_missing_fx_rate_is_an_error(tmp_path: Path) -> None:
    raw = Raw()
    raw.price("gbp", 1000, currency="gbp")
    raw.fx("GBP", "2024-02-01", "1.25")  # only after the period start
    subscribe(raw, "uk", "gbp", 1000, monthly_periods("2024-01-01", 1), currency="gbp")
    with pytest.raises(MissingFxRate):
        run(raw, tmp_path, "2024-01-31")


def test_no_false_churn_at_the_as_of_edge(tmp_path: Path) -> None:
    raw = Raw()
    raw.price("m", 1000)
    jan = [("2024-01-01", "2024-02-01")]
    subscribe(raw, "active", "m", 1000, jan, status="active")
    subscribe(raw, "past_due", "m", 1000, jan, status="past_due")
    subscribe(raw, "canceled", "m", 1000, jan, status="canceled")
    subscribe(raw, "cancel_at_end", "m", 1000, jan, status="active", cancel_at_period_end=True)
    subscribe(raw, "ended", "m", 1000, jan, status="active", ended_at="2024-02-01")
    subscribe(raw, "anchor", "m", 1000, [("2024-02-10", "2024-03-10")])  # created 2024-02-10
    raw.customer("late")
    raw.invoice("late", None, "2024-02-20 08:00:00", status="void")  # any status counts
    raw.customer("test", livemode=False)
    raw.invoice("test", None, "2024-03-05T00:00:00Z")  # test mode: not staged, ignored
    raw_dir = raw.write(tmp_path / "raw")
    assert default_as_of_date(raw_dir, SEEDS_DIR) == date(2024, 2, 20)
    marts = compute_revenue(raw_dir, SEEDS_DIR)
    assert marts["meta"][0]["as_of_date"] == date(2024, 2, 20)
    assert [r["month"] for r in marts["kpi_mrr"]] == [m("2024-01"), m("2024-02")]
    # extended to Mar 1 (first day after the as-of month): still $10 in Feb
    for cid in ("active", "past_due"):
        assert cm(marts, cid, "2024-02")["movement"] == "unchanged"
        assert money(cm(marts, cid, "2024-02")["mrr"], 10)
    for cid in ("canceled", "cancel_at_end", "ended"):
        assert cm(marts, cid, "2024-02")["movement"] == "churn"
    feb = row(marts, "kpi_mrr", month=m("2024-02"))
    assert feb["churned_customers"] == 3 and feb["new_customers"] == 1
    # the extension does not run beyond the as-of month
    later = compute_revenue(raw_dir, SEEDS_DIR, date(2024, 3, 31))
    assert cm(later, "active", "2024-03")["movement"] == "unchanged"  # extended to Apr 1


def test_test_mode_customer_excluded(tmp_path: Path) -> None:
    raw = Raw()
    raw.price("m", 1000)
    subscribe(raw, "live", "m", 1000, monthly_periods("2024-01-01", 1))
    raw.customer("test", livemode=False)
    raw.subscription("s_test", "test")
    iid = raw.bill("test", "s_test", "m", 50000, "2024-01-01", "2024-02-01")
    raw.add(
        "refunds",
        refund_id="re_t",
        invoice_id=iid,
        amount=100,
        currency="usd",
        status="succeeded",
        created_at="2024-01-05",
    )
    raw.customer("null_livemode", livemode=None)  # null = live
    marts = run(raw, tmp_path, "2024-01-31")
    assert {r["customer_id"] for r in marts["dim_customers_revenue"]} == {"live", "null_livemode"}
    assert money(row(marts, "kpi_mrr", month=m("2024-01"))["ending_mrr"], 10)
    staged = load_raw(tmp_path / "raw", SEEDS_DIR)
    for table in ("customers", "subscriptions", "invoices", "invoice_line_items", "refunds"):
        assert staged.count(table, "test_mode") == 1, table


def test_refund_has_no_effect(tmp_path: Path) -> None:
    raw = Raw()
    raw.price("m", 1000)
    subscribe(raw, "c", "m", 1000, monthly_periods("2024-01-01", 2))
    iid = raw.rows["invoices"][0]["invoice_id"]
    raw.add(
        "refunds",
        refund_id="re_1",
        invoice_id=iid,
        amount=1000,
        currency="usd",
        status="succeeded",
        created_at="2024-01-20",
    )
    marts = run(raw, tmp_path, "2024-02-29")
    assert money(cm(marts, "c", "2024-01")["mrr"], 10)
    assert cm(marts, "c", "2024-02")["movement"] == "unchanged"


def test_start_and_cancel_inside_one_month(tmp_path: Path) -> None:
    raw = Raw()
    raw.price("m", 1000)
    subscribe(raw, "anchor", "m", 1000, [("2024-03-01", "2024-04-01")])
    # service period [Mar 5, Mar 20) ends before Apr 1: never paying at a month end
    subscribe(
        raw,
        "brief",
        "m",
        1000,
        [("2024-03-05", "2024-03-20")],
        status="canceled",
        ended_at="2024-03-20",
    )
    # reading of the rules: MRR follows the PAID period, not ended_at. A full
    # month [Mar 5, Apr 5) paid, then canceled on Mar 20 (credit = negative
    # proration, ignored) is paying at the end of March and churns in April.
    sid = subscribe(
        raw,
        "paid_month",
        "m",
        1000,
        [("2024-03-05", "2024-04-05")],
        status="canceled",
        ended_at="2024-03-20",
    )
    iid = raw.invoice("paid_month", sid, "2024-03-20")
    raw.line(iid, sid, "m", -500, "2024-03-20", "2024-04-05", proration=True)
    marts = run(raw, tmp_path, "2024-04-30")
    assert row(marts, "dim_customers_revenue", customer_id="brief")["first_paying_month"] is None
    assert not [r for r in marts["customer_mrr_by_month"] if r["customer_id"] == "brief"]
    assert cm(marts, "paid_month", "2024-04")["movement"] == "churn"
    mar = row(marts, "kpi_mrr", month=m("2024-03"))
    assert mar["new_customers"] == 2 and money(mar["ending_mrr"], 20)  # anchor + paid_month


def test_duplicates_last_row_wins(tmp_path: Path) -> None:
    raw = Raw()
    raw.price("m", 1000)
    raw.customer("c")
    raw.customer("c")  # duplicate customer row
    raw.subscription("s", "c")
    iid = raw.invoice("c", "s", "2024-01-01")
    raw.line(iid, "s", "m", 5000, "2024-01-01", "2024-02-01", line_id="li_1")
    raw.line(iid, "s", "m", 8000, "2024-01-01", "2024-02-01", line_id="li_1")  # last wins
    # contacts have updated_at: the latest wins even if not last; ties -> last
    raw.add("contacts", contact_id="k1", lifecycle_stage="customer", updated_at="2024-01-02")
    raw.add("contacts", contact_id="k1", lifecycle_stage="lead", updated_at="2024-01-01")
    raw.add("contacts", contact_id="k2", lifecycle_stage="lead", updated_at="2024-01-01")
    raw.add("contacts", contact_id="k2", lifecycle_stage="opportunity", updated_at="2024-01-01")
    marts = run(raw, tmp_path, "2024-01-31")
    assert money(cm(marts, "c", "2024-01")["mrr"], 80)  # 8000 cents, not 50 or 130
    staged = load_raw(tmp_path / "raw", SEEDS_DIR)
    assert staged.count("invoice_line_items", "duplicate") == 1
    assert staged.count("customers", "duplicate") == 1
    assert staged.count("contacts", "duplicate") == 2
    stages = {r["contact_id"]: r["lifecycle_stage"] for r in staged.tables["contacts"]}
    assert stages == {"k1": "customer", "k2": "opportunity"}


def test_quarantined_line_item_not_counted(tmp_path: Path) -> None:
    raw = Raw()
    raw.price("m", 1000)
    raw.customer("c")
    raw.subscription("s", "c")
    iid = raw.invoice("c", "s", "2024-01-01")
    raw.line(iid, "s", "m", 2000, "2024-01-01", "2024-02-01", quantity=2)
    raw.line(iid, "s", "m", 1000, "2024-01-01", "2024-02-01", quantity=-1)  # quarantined
    raw.line(iid, "s", None, 700, "2024-01-01", "2024-02-01")  # recurring line without price
    raw.line("in_missing", "s", "m", 900, "2024-01-01", "2024-02-01")  # orphan invoice_id
    marts = run(raw, tmp_path, "2024-01-31")
    assert money(cm(marts, "c", "2024-01")["mrr"], 20)  # only the 2000-cent line
    staged = load_raw(tmp_path / "raw", SEEDS_DIR)
    assert staged.count("invoice_line_items", "quarantine", "negative quantity") == 1
    assert staged.count("invoice_line_items", "quarantine", "recurring line without price") == 1
    assert staged.count("invoice_line_items", "quarantine", "orphan invoice_id") == 1
    assert len(staged.tables["invoice_line_items"]) == 1
