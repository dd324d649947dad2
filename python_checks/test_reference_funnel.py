"""The funnel / sales / acquisition reference's own proof: small raw CSV sets
written by hand, expectations computed by hand in the comments.

Worked examples 14, 15 and 16 of docs/worked_examples.md are
asserted with their PUBLISHED numbers, both on raw data built to produce their
inputs and on the formula functions directly. Money within 0.01, rates within
1e-6, counts exactly.
"""

from __future__ import annotations

import sys
from datetime import date, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from python_checks.raw_fixture import RawDataSet

sys.path.insert(0, str(Path(__file__).resolve().parent))

from reference import MissingFxRate, load_raw  # noqa: E402
from reference.funnel import (  # noqa: E402
    STAGE_PAIRS,
    compute_funnel_and_sales,
    sales_velocity,
    staged_deals,
    unit_economics,
)
from reference.revenue import FxRates  # noqa: E402

SEEDS_DIR = Path(__file__).resolve().parents[1] / "seeds"


class Raw(RawDataSet):
    """A tiny raw data set, built row by row and written as the CSV layout."""

    # --- billing -------------------------------------------------------
    def customer(self, cid: str, company: str | None = None, livemode: bool = True) -> None:
        self.add(
            "customers",
            customer_id=cid,
            name=cid,
            crm_company_id=company,
            currency="usd",
            is_livemode=livemode,
            created_at="2020-01-01 00:00:00",
            is_deleted=False,
        )

    def price(self, pid: str, unit_amount: int) -> None:
        self.add(
            "prices",
            price_id=pid,
            product_id="prod_" + pid,
            billing_interval="month",
            interval_count=1,
            unit_amount=unit_amount,
            currency="usd",
            is_active=True,
        )

    def subscribe(
        self, cid: str, pid: str, amount: int, months: list[str], status: str = "active"
    ) -> None:
        """One subscription of `cid` billed monthly on the 1st for `months`
        ('2024-01', ...), each invoice created at its period start."""
        sid = f"sub_{cid}"
        self.add(
            "subscriptions",
            subscription_id=sid,
            customer_id=cid,
            status=status,
            created_at="2020-01-01",
            started_at="2020-01-01",
            cancel_at_period_end=False,
            ended_at=None if status == "active" else "2099-01-01",
        )
        for month in months:
            start = m(month)
            end = m_add(start, 1)
            iid = f"in_{next(self._ids)}"
            self.add(
                "invoices",
                invoice_id=iid,
                customer_id=cid,
                subscription_id=sid,
                status="paid",
                billing_reason="subscription_cycle",
                currency="usd",
                created_at=start.isoformat(),
                period_start=start.isoformat(),
                period_end=end.isoformat(),
                tax=0,
                paid_at=start.isoformat(),
            )
            self.add(
                "invoice_line_items",
                line_item_id=f"il_{next(self._ids)}",
                invoice_id=iid,
                subscription_id=sid,
                price_id=pid,
                line_type="subscription",
                is_proration=False,
                quantity=1,
                amount=amount,
                discount_amount=0,
                period_start=start.isoformat(),
                period_end=end.isoformat(),
            )

    # --- crm -----------------------------------------------------------
    def contact(
        self,
        cid: str,
        source: str | None = None,
        created: str = "2024-01-01",
        company: str | None = None,
        deleted: bool = False,
        updated: str = "2024-06-01",
        **stages: str,
    ) -> None:
        """`stages`: lead=..., mql=..., sql=..., opportunity=..., customer=..."""
        self.add(
            "contacts",
            contact_id=cid,
            company_id=company,
            lead_source=source,
            lifecycle_stage="lead",
            created_at=created,
            is_deleted=deleted,
            updated_at=updated,
            **{f"became_{stage}_at": value for stage, value in stages.items()},
        )

    def deal(
        self,
        did: str,
        pipeline: str,
        stage: str,
        created: str,
        closed: str | None = None,
        amount: Any = 1000,
        currency: str = "usd",
        deleted: bool = False,
        updated: str = "2024-12-01",
    ) -> None:
        self.add(
            "deals",
            deal_id=did,
            pipeline=pipeline,
            deal_stage=stage,
            amount=amount,
            currency=currency,
            created_at=created,
            closed_at=closed,
            is_deleted=deleted,
            updated_at=updated,
        )

    # --- finance -------------------------------------------------------
    def expense(
        self,
        on: str,
        department: str,
        amount: Any,
        channel: str | None = None,
        currency: str = "USD",
        category: str = "advertising",
    ) -> None:
        self.add(
            "expenses",
            expense_id=f"exp_{next(self._ids)}",
            incurred_on=on,
            department=department,
            category=category,
            channel=channel,
            amount=amount,
            currency=currency,
        )

    def fx(self, currency: str, rate_date: str, rate: str) -> None:
        self.add("fx_rates", rate_date=rate_date, currency=currency, rate_to_usd=rate)


def m(text: str) -> date:
    """'2024-01' -> date(2024, 1, 1)."""
    year, month = text.split("-")[:2]
    return date(int(year), int(month), 1)


def m_add(month: date, n: int) -> date:
    i = month.year * 12 + month.month - 1 + n
    return date(i // 12, i % 12 + 1, 1)


def run(
    raw: Raw, tmp_path: Path, as_of: str | None = None, gross_margin: float = 0.8
) -> dict[str, list[dict]]:
    raw_dir = raw.write(tmp_path / "raw")
    return compute_funnel_and_sales(
        raw_dir, SEEDS_DIR, date.fromisoformat(as_of) if as_of else None, gross_margin
    )


def row(marts: dict, mart: str, **where: Any) -> dict:
    found = [r for r in marts[mart] if all(r[k] == v for k, v in where.items())]
    assert len(found) == 1, (mart, where, found)
    return found[0]


def money(value: float | None, expected: float) -> bool:
    return value is not None and abs(value - expected) < 0.01


def rate(value: float | None, expected: float) -> bool:
    return value is not None and abs(value - expected) < 1e-6


def funnel(marts: dict, cohort: str, channel: str, pair: str) -> tuple[int, int, float | None]:
    from_stage, to_stage = pair.split(">")
    r = row(
        marts,
        "kpi_funnel_conversion",
        cohort_month=m(cohort),
        channel=channel,
        from_stage=from_stage,
        to_stage=to_stage,
    )
    return r["entered"], r["converted"], r["conversion_rate"]


# ---------------------------------------------------------------------------
# kpi_funnel_conversion
# ---------------------------------------------------------------------------


def _funnel_raw() -> Raw:
    raw = Raw()
    # k1: skipped stages (no sql, no opportunity; no mql either would be the
    # same): reached every stage because it has a customer timestamp.
    raw.contact(
        "k1",
        "organic_search",
        lead="2024-01-05 10:00:00",
        mql="2024-01-10",
        customer="2024-02-20T09:00:00Z",
    )
    # k2: out of order (mql before lead): cohort from became_lead_at = January.
    # An older load said paid_social: the latest updated_at wins.
    raw.contact("k2", "paid_social", updated="2024-01-01", lead="2024-01-20")
    raw.contact("k2", "organic_search", updated="2024-02-01", lead="2024-01-20", mql="2023-12-15")
    # k3: no lead date; earliest stage = sql 2024-01-28 -> cohort January;
    # reached lead, mql, sql.
    raw.contact("k3", "paid_search", created="2023-11-01", mql="2024-02-03", sql="2024-01-28")
    # k4: no stage at all: cohort from created_at (January); reached nothing.
    # 'Paid Search' normalises to paid_search.
    raw.contact("k4", "Paid Search", created="2024-01-02 08:00:00")
    # k5: deleted -> left out.
    raw.contact("k5", "organic_search", deleted=True, lead="2024-01-05")
    # k6: free-text source -> unknown; lead only.
    raw.contact("k6", "tiktok", lead="2024-01-03")
    # k7: cohort April, after the as-of month March -> left out.
    raw.contact("k7", "organic_search", lead="2024-04-02", mql="2024-04-03")
    # k8: no source -> unknown; cohort February.
    raw.contact("k8", None, lead="2024-02-01", mql="2024-02-02")
    return raw


def test_funnel_conversion_within_the_window_as_of_the_end_of_the_as_of_date(
    tmp_path: Path,
) -> None:
    """Window 90 days, as of 2024-04-30. January, organic_search: w1 lead Jan 10 -> customer
    Mar 1 (51 days, skipping the middle stages); w2 lead Jan 10 -> mql Apr 9 (exactly 90 days)
    -> customer Apr 20 (101 days); w3 lead Jan 15 -> customer May 1, after the as-of instant:
    not reached yet. w4 was created on May 1 and is left out. January ended 90 days before the
    as-of date: mature; April (w5) is not."""
    raw = Raw()
    raw.contact("w1", "organic_search", lead="2024-01-10", customer="2024-03-01")
    raw.contact("w2", "organic_search", lead="2024-01-10", mql="2024-04-09", customer="2024-04-20")
    raw.contact("w3", "organic_search", lead="2024-01-15", customer="2024-05-01 00:00:00")
    raw.contact("w4", "organic_search", created="2024-05-01", lead="2024-04-28")
    raw.contact("w5", "organic_search", created="2024-04-02", lead="2024-04-02")
    marts = run(raw, tmp_path, "2024-04-30")
    january = row(
        marts,
        "kpi_funnel_conversion",
        cohort_month=m("2024-01"),
        channel="organic_search",
        from_stage="lead",
        to_stage="customer",
    )
    assert (january["entered"], january["converted"], january["converted_within_window"]) == (
        3,
        2,
        1,
    )
    assert rate(january["conversion_rate_within_window"], 1 / 3)
    assert january["is_mature"] is True
    to_mql = row(
        marts,
        "kpi_funnel_conversion",
        cohort_month=m("2024-01"),
        channel="organic_search",
        from_stage="lead",
        to_stage="mql",
    )
    assert (to_mql["entered"], to_mql["converted"], to_mql["converted_within_window"]) == (3, 2, 2)
    april = row(
        marts,
        "kpi_funnel_conversion",
        cohort_month=m("2024-04"),
        channel="organic_search",
        from_stage="lead",
        to_stage="mql",
    )
    assert (april["entered"], april["is_mature"]) == (1, False)


def test_funnel_conversion(tmp_path: Path) -> None:
    marts = run(_funnel_raw(), tmp_path, "2024-03-31")
    # January, organic_search = k1 (all five stages), k2 (lead, mql):
    assert funnel(marts, "2024-01", "organic_search", "lead>mql") == (2, 2, 1.0)
    assert funnel(marts, "2024-01", "organic_search", "mql>sql") == (2, 1, 0.5)
    assert funnel(marts, "2024-01", "organic_search", "sql>opportunity") == (1, 1, 1.0)
    assert funnel(marts, "2024-01", "organic_search", "opportunity>customer") == (1, 1, 1.0)
    assert funnel(marts, "2024-01", "organic_search", "lead>customer") == (2, 1, 0.5)
    # January, paid_search = k3 (lead, mql, sql), k4 (nothing reached):
    assert funnel(marts, "2024-01", "paid_search", "lead>mql") == (1, 1, 1.0)
    assert funnel(marts, "2024-01", "paid_search", "mql>sql") == (1, 1, 1.0)
    assert funnel(marts, "2024-01", "paid_search", "sql>opportunity") == (1, 0, 0.0)
    assert funnel(marts, "2024-01", "paid_search", "opportunity>customer") == (0, 0, None)
    assert funnel(marts, "2024-01", "paid_search", "lead>customer") == (1, 0, 0.0)
    # January, unknown = k6 (lead only):
    assert funnel(marts, "2024-01", "unknown", "lead>mql") == (1, 0, 0.0)
    assert funnel(marts, "2024-01", "unknown", "mql>sql") == (0, 0, None)
    # January, all = k1, k2, k3, k4, k6:
    #   lead>mql: entered k1 k2 k3 k6 = 4, converted k1 k2 k3 = 3
    #   mql>sql: 3 -> k1 k3 = 2; sql>opp: 2 -> k1 = 1; opp>cust 1 -> 1; lead>cust 4 -> 1
    assert funnel(marts, "2024-01", "all", "lead>mql") == (4, 3, 0.75)
    assert funnel(marts, "2024-01", "all", "mql>sql")[:2] == (3, 2)
    assert funnel(marts, "2024-01", "all", "sql>opportunity") == (2, 1, 0.5)
    assert funnel(marts, "2024-01", "all", "opportunity>customer") == (1, 1, 1.0)
    assert funnel(marts, "2024-01", "all", "lead>customer") == (4, 1, 0.25)
    # February: k8 only (unknown).
    assert funnel(marts, "2024-02", "unknown", "lead>mql") == (1, 1, 1.0)
    assert funnel(marts, "2024-02", "all", "mql>sql") == (1, 0, 0.0)
    # Rows: January 4 groups x 5 pairs, February 2 x 5; no April, no deleted.
    assert len(marts["kpi_funnel_conversion"]) == 30
    assert {r["cohort_month"] for r in marts["kpi_funnel_conversion"]} == {
        m("2024-01"),
        m("2024-02"),
    }
    assert {(r["from_stage"], r["to_stage"]) for r in marts["kpi_funnel_conversion"]} == set(
        STAGE_PAIRS
    )


def test_funnel_all_is_the_sum_of_channels(tmp_path: Path) -> None:
    marts = run(_funnel_raw(), tmp_path, "2024-03-31")
    sums: dict[tuple, list[int]] = {}
    for r in marts["kpi_funnel_conversion"]:
        if r["channel"] != "all":
            key = (r["cohort_month"], r["from_stage"], r["to_stage"])
            acc = sums.setdefault(key, [0, 0])
            acc[0] += r["entered"]
            acc[1] += r["converted"]
    for r in marts["kpi_funnel_conversion"]:
        if r["channel"] == "all":
            assert sums[(r["cohort_month"], r["from_stage"], r["to_stage"])] == [
                r["entered"],
                r["converted"],
            ]


# ---------------------------------------------------------------------------
# Deals: kpi_sales_cycle_length and kpi_sales_velocity
# ---------------------------------------------------------------------------


def _deals_raw() -> Raw:
    raw = Raw()
    raw.fx("EUR", "2024-04-01", "1.10")
    raw.fx("EUR", "2024-04-20", "1.20")
    # d1 reopened: won 03-20, moved back to qualifiedtobuy, won again 04-10.
    # Two loads of the deal; the latest (updated 04-11) is its final state:
    # won in April, cycle 03-01 -> 04-10 = 40 days, $1,200. Counted once.
    raw.deal(
        "d1",
        "new_business",
        "closedwon",
        "2024-03-01 00:00:00",
        "2024-03-20",
        amount="1000.00",
        updated="2024-03-21",
    )
    raw.deal(
        "d1",
        "new_business",
        "closedwon",
        "2024-03-01 00:00:00",
        "2024-04-10 00:00:00",
        amount="1200.00",
        updated="2024-04-11",
    )
    for stage, at in [
        ("appointmentscheduled", "2024-03-01"),
        ("closedwon", "2024-03-20"),
        ("qualifiedtobuy", "2024-03-25"),
        ("closedwon", "2024-04-10"),
    ]:
        raw.add("deal_stage_history", deal_id="d1", deal_stage=stage, entered_at=at)
    # d2 lost in April (created in March).
    raw.deal("d2", "new_business", "closedlost", "2024-03-15", "2024-04-05 12:00:00", amount="5000")
    # d3 open, EUR 1,000 created 04-02: converted at the created_at rate 1.10.
    raw.deal(
        "d3", "new_business", "contractsent", "2024-04-02", None, amount="1000", currency="eur"
    )
    # d4 EUR 1,000 won 04-21 12:00 (created 04-01): converted at the close
    # date's rate 1.20 -> $1,200 (not 1.10); cycle 20.5 days.
    raw.deal(
        "d4",
        "expansion",
        "closedwon",
        "2024-04-01T00:00:00",
        "2024-04-21 12:00:00",
        amount="1000",
        currency="EUR",
    )
    # d5 deleted -> left out.
    raw.deal(
        "d5", "expansion", "closedwon", "2024-04-01", "2024-04-02", amount="99999", deleted=True
    )
    # d6 won, amount null: counts as won and in the cycle (10 days), not in the
    # deal size.
    raw.deal("d6", "renewal", "closedwon", "2024-04-01", "2024-04-11", amount=None)
    # d7 created in June, won in July (after the as-of month June).
    raw.deal("d7", "new_business", "closedwon", "2024-06-01", "2024-07-05")
    return raw


def test_sales_cycle_length(tmp_path: Path) -> None:
    marts = run(_deals_raw(), tmp_path, "2024-06-30")
    rows = marts["kpi_sales_cycle_length"]
    assert {(r["month"], r["pipeline"]) for r in rows} == {
        (m("2024-04"), p) for p in ("new_business", "expansion", "renewal", "all")
    }
    nb = row(marts, "kpi_sales_cycle_length", month=m("2024-04"), pipeline="new_business")
    assert nb["won_deals"] == 1 and rate(nb["avg_sales_cycle_days"], 40)  # d1 once
    assert rate(
        row(marts, "kpi_sales_cycle_length", month=m("2024-04"), pipeline="expansion")[
            "median_sales_cycle_days"
        ],
        20.5,
    )
    # all: 40, 20.5, 10 -> mean 23.5, median 20.5
    al = row(marts, "kpi_sales_cycle_length", month=m("2024-04"), pipeline="all")
    assert al["won_deals"] == 3
    assert rate(al["avg_sales_cycle_days"], 23.5) and rate(al["median_sales_cycle_days"], 20.5)


def test_sales_velocity(tmp_path: Path) -> None:
    marts = run(_deals_raw(), tmp_path, "2024-06-30")

    def v(month: str, pipeline: str) -> dict:
        return row(marts, "kpi_sales_velocity", month=m(month), pipeline=pipeline)

    # March: d1, d2 created; nothing closed in March (d1's final state).
    mar = v("2024-03", "new_business")
    assert (mar["opportunities"], mar["closed_deals"], mar["won_deals"]) == (2, 0, 0)
    assert mar["win_rate"] is None and mar["sales_velocity"] is None
    # April new_business: opp d3; closed d1 (won), d2 (lost): 1 x 0.5 x 1200 / 40 = 15
    nb = v("2024-04", "new_business")
    assert (nb["opportunities"], nb["closed_deals"], nb["won_deals"]) == (1, 2, 1)
    assert rate(nb["win_rate"], 0.5) and money(nb["avg_deal_size"], 1200)
    assert money(nb["sales_velocity"], 15)
    # April expansion: d4: 1 x 1 x 1200 / 20.5 = 58.536585...
    ex = v("2024-04", "expansion")
    assert money(ex["avg_deal_size"], 1200) and money(ex["sales_velocity"], 1200 / 20.5)
    # April renewal: d6 won without amount -> deal size and velocity None.
    rn = v("2024-04", "renewal")
    assert rn["won_deals"] == 1 and rn["avg_deal_size"] is None and rn["sales_velocity"] is None
    assert rate(rn["avg_sales_cycle_days"], 10)
    # April all: opps d3 d4 d6 = 3; closed d1 d2 d4 d6 = 4, won 3; size
    # mean(1200, 1200) = 1200; cycle 23.5: 3 x 0.75 x 1200 / 23.5 = 114.893617
    al = v("2024-04", "all")
    assert (al["opportunities"], al["closed_deals"], al["won_deals"]) == (3, 4, 3)
    assert rate(al["win_rate"], 0.75) and money(al["sales_velocity"], 2700 / 23.5)
    # June: d7 created; July (closed) is after the as-of month -> no row.
    assert v("2024-06", "all")["opportunities"] == 1
    assert {r["month"] for r in marts["kpi_sales_velocity"]} == {
        m("2024-03"),
        m("2024-04"),
        m("2024-06"),
    }


def test_open_deal_converted_at_created_at(tmp_path: Path) -> None:
    """Open deals' amounts appear in no mart column: checked on the deal
    list directly (staged_deals)."""
    staged = load_raw(_deals_raw().write(tmp_path / "raw"), SEEDS_DIR)
    deals = {d.deal_id: d for d in staged_deals(staged, FxRates(staged.tables["fx_rates"]))}
    assert deals["d3"].amount_usd == Fraction("1100")  # 1000 EUR x 1.10 (04-02)
    assert deals["d4"].amount_usd == Fraction("1200")  # 1000 EUR x 1.20 (04-21)
    assert deals["d1"].amount_usd == Fraction("1200") and "d5" not in deals


def test_deal_without_fx_rate_is_an_error(tmp_path: Path) -> None:
    raw = Raw()
    raw.deal("g1", "new_business", "closedwon", "2024-04-01", "2024-04-10", currency="GBP")
    with pytest.raises(MissingFxRate):
        run(raw, tmp_path, "2024-04-30")


# ---------------------------------------------------------------------------
# kpi_cac, customer_first_touch and the LTV inputs
# ---------------------------------------------------------------------------


def _cac_raw() -> Raw:
    raw = Raw()
    raw.price("p100", 10000)
    # First touch of cA (company co1): k0 is older but deleted; k1 and k2 tie
    # on created_at -> smallest contact_id k1, 'Paid-Social' -> paid_social.
    raw.contact("k0", "referral", created="2023-11-01", company="co1", deleted=True)
    raw.contact("k2", "paid_search", created="2023-12-01 00:00:00", company="co1")
    raw.contact("k1", "Paid-Social", created="2023-12-01 00:00:00", company="co1")
    raw.contact("k3", "paid_search", created="2023-10-01", company="co2")  # cB
    raw.contact("k4", None, created="2023-10-01", company="co4")  # cE: no source
    raw.customer("cA", "co1")  # paid_social
    raw.customer("cB", "co2")  # paid_search
    raw.customer("cC", None)  # no CRM link -> unknown
    raw.customer("cD", "co3")  # company without contacts -> unknown
    raw.customer("cE", "co4")  # unknown
    raw.customer("cT", "co2", livemode=False)  # test mode: nowhere
    for cid in ("cA", "cB", "cC"):  # new in January, $100/month to March
        raw.subscribe(cid, "p100", 10000, ["2024-01", "2024-02", "2024-03"])
    for cid in ("cD", "cE"):  # new in March
        raw.subscribe(cid, "p100", 10000, ["2024-03"])
    raw.fx("EUR", "2024-01-01", "1.10")
    raw.fx("EUR", "2024-01-12", "1.20")
    raw.expense("2023-12-15", "marketing", "1000", "paid_search")
    raw.expense("2024-01-10", "marketing", "3000.00", "paid_search")
    raw.expense("2024-01-15", "Marketing", "1000", "paid_social", currency="eur")  # x 1.20
    raw.expense("2024-01-20", "sales", "5000", None, category="salaries")
    raw.expense("2024-01-25", "marketing", "-500", "paid_search")  # correction
    raw.expense("2024-01-05", "finance", "9999", "paid_search", category="tools")  # not acquisition
    raw.expense("2024-02-10", "marketing", "800", "events", category="events")
    raw.expense("2024-02-20", "sales", "400", "outbound", category="commissions")
    raw.expense("2024-03-03", "marketing", "600", None, category="content")
    raw.expense("2024-04-05", "marketing", "7777", "paid_search")  # after the as-of month
    return raw


def test_cac(tmp_path: Path) -> None:
    marts = run(_cac_raw(), tmp_path)  # as-of = latest invoice, 2024-03-01

    def c(month: str, channel: str) -> dict:
        return row(marts, "kpi_cac", month=m(month), channel=channel)

    # all rows: every month from December 2023 (first spend) to March.
    assert [r["month"] for r in marts["kpi_cac"] if r["channel"] == "all"] == [
        m("2023-12"),
        m("2024-01"),
        m("2024-02"),
        m("2024-03"),
    ]
    dec = c("2023-12", "all")
    assert (
        money(dec["acquisition_spend"], 1000) and dec["new_customers"] == 0 and dec["cac"] is None
    )
    # January: 3000 + 1000 EUR x 1.20 + 5000 - 500 = 8700 (finance 9999 out); 3 new -> 2900
    jan = c("2024-01", "all")
    assert money(jan["acquisition_spend"], 8700) and jan["new_customers"] == 3
    assert money(jan["cac"], 2900)
    # January channels: paid_search 3000 - 500 = 2500 / cB; paid_social 1200 / cA;
    # unknown: no spend, cC -> cac 0.
    assert money(c("2024-01", "paid_search")["cac"], 2500)
    assert money(c("2024-01", "paid_social")["cac"], 1200)
    unk = c("2024-01", "unknown")
    assert unk["new_customers"] == 1 and money(unk["cac"], 0)
    # February: no new customers: all 800 + 400 = 1200, cac None; events spend
    # without customers -> None; the sales 'outbound' expense has no channel row.
    feb = c("2024-02", "all")
    assert money(feb["acquisition_spend"], 1200) and feb["cac"] is None
    assert c("2024-02", "events")["cac"] is None
    assert not [r for r in marts["kpi_cac"] if r["channel"] == "outbound"]
    # March: 600 / 2 (cD, cE) = 300; both unknown; nothing after March.
    assert money(c("2024-03", "all")["cac"], 300)
    assert c("2024-03", "unknown")["new_customers"] == 2
    assert max(r["month"] for r in marts["kpi_cac"]) == m("2024-03")


def test_customer_first_touch(tmp_path: Path) -> None:
    marts = run(_cac_raw(), tmp_path)
    assert {r["customer_id"]: r["first_touch_channel"] for r in marts["customer_first_touch"]} == {
        "cA": "paid_social",
        "cB": "paid_search",
        "cC": "unknown",
        "cD": "unknown",
        "cE": "unknown",
    }


def test_ltv_trailing_cac_without_churn(tmp_path: Path) -> None:
    marts = run(_cac_raw(), tmp_path)
    assert [r["month"] for r in marts["kpi_customer_lifetime_value"]] == [
        m("2024-01"),
        m("2024-02"),
        m("2024-03"),
    ]
    # January window Nov..Jan: (1000 + 8700) / 3 = 3233.33
    assert money(row(marts, "kpi_customer_lifetime_value", month=m("2024-01"))["cac"], 9700 / 3)
    # March window Jan..Mar: (8700 + 1200 + 600) / 5 = 2100; ARPU 100; no churn
    # -> churn 0/3+3 = 0 -> LTV None; payback 2100 / (100 x 0.8) = 26.25
    mar = row(marts, "kpi_customer_lifetime_value", month=m("2024-03"))
    assert money(mar["arpu"], 100) and money(mar["cac"], 2100)
    assert mar["logo_churn_rate_3m"] == 0.0 and mar["ltv"] is None
    assert mar["ltv_to_cac_ratio"] is None and rate(mar["cac_payback_months"], 26.25)
    assert mar["gross_margin"] == 0.8


# ---------------------------------------------------------------------------
# Worked examples 14, 15, 16 (published numbers)
# ---------------------------------------------------------------------------


def test_example_14_unit_economics_formula() -> None:
    """Formula functions directly: ARPU 50, margin 0.75, churn 5%, $25,000 /
    100 new customers."""
    e = unit_economics(Fraction(50), Fraction("0.75"), Fraction("0.05"), Fraction(25000), 100)
    assert e.ltv == 750 and e.cac == 250 and e.ltv_to_cac_ratio == 3
    assert abs(float(e.cac_payback_months) - 6.67) < 0.005


def test_example_14_unit_economics_raw(tmp_path: Path) -> None:
    """Raw data: 100 customers at $50 new in January with $25,000 spend; 5
    cancel in February. February: ARPU 95 x 50 / 95 = 50; 3-month churn
    (0 + 0 + 5) / (0 + 0 + 100) = 5%; CAC (0 + 25,000 + 0) / (0 + 100 + 0)."""
    raw = Raw()
    raw.price("p50", 5000)
    for i in range(100):
        raw.customer(f"c{i:03d}")
        if i < 5:
            raw.subscribe(f"c{i:03d}", "p50", 5000, ["2024-01"], status="canceled")
        else:
            raw.subscribe(f"c{i:03d}", "p50", 5000, ["2024-01", "2024-02"])
    raw.expense("2024-01-15", "marketing", "25000", "paid_search")
    marts = run(raw, tmp_path, gross_margin=0.75)
    feb = row(marts, "kpi_customer_lifetime_value", month=m("2024-02"))
    assert money(feb["arpu"], 50) and rate(feb["logo_churn_rate_3m"], 0.05)
    assert money(feb["ltv"], 750) and money(feb["cac"], 250)
    assert rate(feb["ltv_to_cac_ratio"], 3.0) and money(feb["cac_payback_months"], 6.67)
    assert feb["gross_margin"] == 0.75
    assert money(row(marts, "kpi_cac", month=m("2024-01"), channel="all")["cac"], 250)


def _velocity_raw(cycle_days: int) -> Raw:
    """June 2024: 18 deals created (open); 25 closed, of which 6 won (24%)
    averaging $42,000 with a `cycle_days` cycle each; 19 lost (created in
    March, so not June opportunities)."""
    raw = Raw()
    for i in range(18):
        raw.deal(f"o{i}", "new_business", "contractsent", f"2024-06-{i + 1:02d} 09:00:00")
    closed = datetime(2024, 6, 20, 12, 0, 0)
    created = closed - timedelta(days=cycle_days)
    for i, amount in enumerate([30000, 54000, 42000, 42000, 40000, 44000]):  # mean 42,000
        raw.deal(
            f"w{i}",
            "new_business",
            "closedwon",
            created.isoformat(sep=" "),
            closed.isoformat(sep=" "),
            amount=f"{amount}.00",
        )
    for i in range(19):
        raw.deal(f"l{i}", "new_business", "closedlost", "2024-03-01", "2024-06-10")
    return raw


@pytest.mark.parametrize("cycle_days,expected", [(78, 2326.15), (65, 2791.38)])
def test_example_15_sales_velocity_raw(tmp_path: Path, cycle_days: int, expected: float) -> None:
    marts = run(_velocity_raw(cycle_days), tmp_path, "2024-06-30")
    for pipeline in ("new_business", "all"):
        r = row(marts, "kpi_sales_velocity", month=m("2024-06"), pipeline=pipeline)
        assert (r["opportunities"], r["closed_deals"], r["won_deals"]) == (18, 25, 6)
        assert rate(r["win_rate"], 0.24) and money(r["avg_deal_size"], 42000)
        assert rate(r["avg_sales_cycle_days"], cycle_days)
        assert abs(r["sales_velocity"] - expected) < 0.005  # published to the cent


def test_example_15_sales_velocity_formula() -> None:
    """Formula function directly."""
    v78 = sales_velocity(18, Fraction("0.24"), Fraction(42000), Fraction(78))
    v65 = sales_velocity(18, Fraction("0.24"), Fraction(42000), Fraction(65))
    assert round(float(v78), 2) == 2326.15 and round(float(v65), 2) == 2791.38
    assert sales_velocity(18, Fraction("0.24"), Fraction(42000), Fraction(0)) is None
    assert sales_velocity(18, None, Fraction(42000), Fraction(78)) is None


def test_example_16_chartmogul_ltv_raw(tmp_path: Path) -> None:
    """Raw data: 20 customers at $100 new in January, 1 cancels in February:
    ARPA 100, churn 1/20 = 5%, margin 1.0 -> LTV 2,000. No spend: CAC 0 /
    20 = 0 -> LTV:CAC None (zero denominator), payback 0."""
    raw = Raw()
    raw.price("p100", 10000)
    for i in range(20):
        raw.customer(f"c{i:02d}")
        raw.subscribe(
            f"c{i:02d}",
            "p100",
            10000,
            ["2024-01"] if i == 0 else ["2024-01", "2024-02"],
            status="canceled" if i == 0 else "active",
        )
    marts = run(raw, tmp_path, gross_margin=1.0)
    feb = row(marts, "kpi_customer_lifetime_value", month=m("2024-02"))
    assert money(feb["arpu"], 100) and rate(feb["logo_churn_rate_3m"], 0.05)
    assert money(feb["ltv"], 2000)
    assert (
        feb["cac"] == 0.0 and feb["ltv_to_cac_ratio"] is None and feb["cac_payback_months"] == 0.0
    )
    # January: nobody at start -> churn None -> LTV None.
    jan = row(marts, "kpi_customer_lifetime_value", month=m("2024-01"))
    assert jan["logo_churn_rate_3m"] is None and jan["ltv"] is None


def test_example_16_formula() -> None:
    e = unit_economics(Fraction(100), Fraction(1), Fraction("0.05"), Fraction(0), 0)
    assert e.ltv == 2000 and e.cac is None and e.ltv_to_cac_ratio is None


@pytest.mark.parametrize(
    "arpu,churn,spend,new,expected",
    [
        # spend but no new customers: CAC undefined -> LTV:CAC and payback null (not 0)
        (100, "0.1", 3000, 0, (800, None, None, None)),
        # no spend and no new customers: CAC 0 / 0 undefined (not 0)
        (100, "0.1", 0, 0, (800, None, None, None)),
        # no churn in the window: LTV undefined (not infinite); payback 500 / 80
        (100, "0", 5000, 10, (None, 500, None, Fraction("6.25"))),
        # zero starting base: churn rate undefined -> LTV and LTV:CAC null; payback 200 / 80
        (100, None, 2000, 10, (None, 200, None, Fraction("2.5"))),
        # spend 0 with new customers: CAC 0 is defined; LTV / 0 is null; payback 0
        (100, "0.1", 0, 2, (800, 0, None, 0)),
        # nobody paying: ARPU undefined -> LTV and payback null
        (None, "0.1", 1000, 2, (None, 500, None, None)),
    ],
)
def test_unit_economics_with_an_undefined_part_are_null(
    arpu: int | None, churn: str | None, spend: int, new: int, expected: tuple
) -> None:
    """A figure derived from a null or undefined part is null (gross margin 0.8)."""
    e = unit_economics(
        None if arpu is None else Fraction(arpu),
        Fraction("0.8"),
        None if churn is None else Fraction(churn),
        Fraction(spend),
        new,
    )
    assert (e.ltv, e.cac, e.ltv_to_cac_ratio, e.cac_payback_months) == expected


# ---------------------------------------------------------------------------
# Shape of the output
# ---------------------------------------------------------------------------

COLUMNS = {
    "kpi_funnel_conversion": [
        "cohort_month",
        "channel",
        "from_stage",
        "to_stage",
        "entered",
        "converted",
        "conversion_rate",
        "converted_within_window",
        "conversion_rate_within_window",
        "is_mature",
    ],
    "kpi_cac": ["month", "channel", "acquisition_spend", "new_customers", "cac"],
    "kpi_customer_lifetime_value": [
        "month",
        "arpu",
        "gross_margin",
        "logo_churn_rate_3m",
        "ltv",
        "cac",
        "ltv_to_cac_ratio",
        "cac_payback_months",
    ],
    "kpi_sales_cycle_length": [
        "month",
        "pipeline",
        "won_deals",
        "avg_sales_cycle_days",
        "median_sales_cycle_days",
    ],
    "kpi_sales_velocity": [
        "month",
        "pipeline",
        "opportunities",
        "closed_deals",
        "won_deals",
        "win_rate",
        "avg_deal_size",
        "avg_sales_cycle_days",
        "sales_velocity",
    ],
    "customer_first_touch": ["customer_id", "first_touch_channel"],
}


def test_columns_and_types(tmp_path: Path) -> None:
    raw = _cac_raw()
    for table, rows in _deals_raw().rows.items():
        raw.rows[table].extend(r for r in rows if table != "fx_rates")
    for r in _funnel_raw().rows["contacts"]:
        raw.rows["contacts"].append({**r, "contact_id": "f_" + r["contact_id"]})
    marts = run(raw, tmp_path, "2024-06-30")
    for mart, columns in COLUMNS.items():
        assert marts[mart], mart
        for r in marts[mart]:
            assert list(r) == columns, mart
            for key in ("month", "cohort_month"):
                if key in r:
                    assert type(r[key]) is date and r[key].day == 1
            for column in (
                "entered",
                "converted",
                "new_customers",
                "won_deals",
                "opportunities",
                "closed_deals",
            ):
                if column in r:
                    assert type(r[column]) is int
            for column, value in r.items():
                assert value is None or isinstance(value, (str, int, float, date)), (column, value)
