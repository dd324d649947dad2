"""Revenue KPIs of the reference: subscription segments, customer MRR by
month with its movements, and the revenue marts.

Written from ``docs/kpi_definitions.md`` (the shared notions and the revenue
marts) and the revenue readings of ``docs/decisions.md``, nothing else.
Internally every amount is an exact :class:`fractions.Fraction` (no float
noise); the marts are returned with money as unrounded ``float``.

Public entry points: :func:`compute_revenue`, :func:`default_as_of_date`.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

from .raw import Row, StagedRaw, load_raw

DEFAULT_SEEDS_DIR = Path(__file__).resolve().parents[2] / "seeds"
REPORTING_CURRENCY = "USD"
ELIGIBLE_INVOICE_STATUSES = frozenset({"paid", "open"})
EXTENDED_STATUSES = frozenset({"active", "past_due"})
# docs/decisions.md, D1: a change is |MRR(M) - MRR(M-1)| >= 1e-6.
CHANGE_EPSILON = Fraction(1, 10**6)
ZERO = Fraction(0)


class MissingFxRate(ValueError):
    """docs/kpi_definitions.md: a currency or date with no rate is an error, never
    a silent zero or a silent 1:1."""


# --------------------------------------------------------------------------
# Months
# --------------------------------------------------------------------------


def month_start(value: date | datetime) -> date:
    """First day of the month of ``value`` (``month`` columns)."""
    return date(value.year, value.month, 1)


def add_months(month: date, n: int) -> date:
    """``month`` (a first-of-month) shifted by ``n`` months."""
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, last: date) -> int:
    """Number of whole months from ``first`` to ``last`` (both first-of-month)."""
    return (last.year - first.year) * 12 + last.month - first.month


def month_series(first: date, last: date) -> list[date]:
    """Every month from ``first`` to ``last`` inclusive, no gaps."""
    return [add_months(first, k) for k in range(months_between(first, last) + 1)]


def month_boundary(month: date) -> datetime:
    """B = the first instant of month M+1: the instant whose coverage defines
    MRR at month M (docs/kpi_definitions.md, "MRR at a month")."""
    nxt = add_months(month, 1)
    return datetime(nxt.year, nxt.month, 1)


# --------------------------------------------------------------------------
# As-of date (docs/kpi_definitions.md "As-of date"; docs/decisions.md, D18)
# --------------------------------------------------------------------------


def as_of_from_staged(staged: StagedRaw) -> date | None:
    """Default as-of date: max(date(created_at)) over staged invoices, any
    status; ``None`` without any."""
    dates = [row["created_at"].date() for row in staged.tables["invoices"] if row["created_at"]]
    return max(dates) if dates else None


def default_as_of_date(raw_dir: Path, seeds_dir: Path = DEFAULT_SEEDS_DIR) -> date | None:
    """The as-of date used when the ``as_of_date`` variable is not given."""
    return as_of_from_staged(load_raw(Path(raw_dir), Path(seeds_dir)))


# --------------------------------------------------------------------------
# Money: minor units, FX, interval normalisation
# --------------------------------------------------------------------------


class FxRates:
    """Rates of ``raw_finance.fx_rates``: the rate in effect on a date is the
    latest ``rate_date`` on or before it, per currency; USD = 1."""

    def __init__(self, rows: Iterable[Row]) -> None:
        by_currency: dict[str, list[tuple[date, Fraction]]] = defaultdict(list)
        for row in rows:
            by_currency[row["currency"]].append((row["rate_date"], Fraction(row["rate_to_usd"])))
        self._dates: dict[str, list[date]] = {}
        self._rates: dict[str, list[Fraction]] = {}
        for currency, pairs in by_currency.items():
            pairs.sort(key=lambda pair: pair[0])
            self._dates[currency] = [d for d, _ in pairs]
            self._rates[currency] = [r for _, r in pairs]

    def rate(self, currency: str, on: date) -> Fraction:
        """US dollars for one unit of ``currency`` on date ``on``."""
        if currency == REPORTING_CURRENCY:
            return Fraction(1)
        dates = self._dates.get(currency, [])
        position = bisect.bisect_right(dates, on)
        if position == 0:
            raise MissingFxRate(f"no {currency} rate on or before {on}")
        return self._rates[currency][position - 1]


def to_major(minor: int, currency: str, currencies: dict[str, int]) -> Fraction:
    """Billing money: major = minor / 10^minor_units(currency)."""
    return Fraction(minor, 10 ** currencies[currency])


def interval_months(price: Row) -> Fraction:
    """Months in a price's interval: ``month`` x count, ``year`` = 12 x count,
    ``week`` = count x 12/52, ``day`` = count x 12/365."""
    count = price["interval_count"]
    per_interval = {
        "month": Fraction(1),
        "year": Fraction(12),
        "week": Fraction(12, 52),
        "day": Fraction(12, 365),
    }[price["billing_interval"]]
    return count * per_interval


# --------------------------------------------------------------------------
# Eligible lines and MRR pieces
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class EligibleLine:
    """A staged recurring line of a staged ``paid``/``open`` invoice, with the
    subscription it belongs to (line's, else the invoice's)."""

    line: Row
    customer_id: str
    subscription_id: str
    currency: str

    @property
    def start(self) -> datetime:
        return self.line["period_start"]

    @property
    def end(self) -> datetime:
        return self.line["period_end"]

    @property
    def is_proration(self) -> bool:
        return self.line["is_proration"] is True


@dataclass(frozen=True)
class Piece:
    """MRR paid for ``[start, end)`` by one line (or one proration)."""

    customer_id: str
    subscription_id: str
    start: datetime
    end: datetime
    mrr: Fraction


def eligible_lines(staged: StagedRaw) -> list[EligibleLine]:
    """int_subscription_periods (docs/kpi_definitions.md): staged line items of staged invoices
    with status ``paid`` or ``open``, ``line_type = 'subscription'`` (one-off
    ``invoiceitem`` lines and taxes are never MRR), with a subscription id.
    Lines without a service period cannot be placed in time and are skipped.
    Refunds are never read (refunds never change MRR)."""
    invoices = {row["invoice_id"]: row for row in staged.tables["invoices"]}
    result: list[EligibleLine] = []
    for line in staged.tables["invoice_line_items"]:
        invoice = invoices.get(line["invoice_id"])
        if invoice is None or invoice["status"] not in ELIGIBLE_INVOICE_STATUSES:
            continue
        if line["line_type"] != "subscription":
            continue
        subscription_id = line["subscription_id"] or invoice["subscription_id"]
        if subscription_id is None:
            continue
        if line["period_start"] is None or line["period_end"] is None:
            continue
        result.append(
            EligibleLine(line, invoice["customer_id"], subscription_id, invoice["currency"])
        )
    return result


def recurring_piece(
    item: EligibleLine, price: Row, fx: FxRates, currencies: dict[str, int]
) -> Piece:
    """A recurring (non-proration) line pays for ``[period_start, period_end)``
    at MRR = (amount - discount_amount) / 10^minor / interval_months x
    rate(currency, date(period_start)); discounts reduce MRR."""
    net_minor = (item.line["amount"] or 0) - (item.line["discount_amount"] or 0)
    mrr = (
        to_major(net_minor, item.currency, currencies)
        / interval_months(price)
        * fx.rate(item.currency, item.start.date())
    )
    return Piece(item.customer_id, item.subscription_id, item.start, item.end, mrr)


def discount_share(proration: EligibleLine, recurring: list[EligibleLine]) -> Fraction:
    """Discount share of the recurring line a positive proration replaces:
    discount_amount / amount of the eligible recurring line of the same
    subscription with period_start <= P < period_end (the latest-starting
    one if several); 0 when none or when its amount is 0."""
    point = proration.start
    covering = [
        rec
        for rec in recurring
        if rec.subscription_id == proration.subscription_id and rec.start <= point < rec.end
    ]
    if not covering:
        return ZERO
    replaced = max(covering, key=lambda rec: rec.start)
    amount = replaced.line["amount"] or 0
    if amount == 0:
        return ZERO
    return Fraction(replaced.line["discount_amount"] or 0, amount)


def proration_piece(
    item: EligibleLine, price: Row, share: Fraction, fx: FxRates, currencies: dict[str, int]
) -> Piece:
    """A positive proration line: from its period_start the subscription runs
    at unit_amount x quantity of the line's price x (1 - share), normalised
    and converted like a recurring line. (A null quantity counts as 1 seat,
    a null unit_amount as 0.)"""
    quantity = item.line["quantity"] if item.line["quantity"] is not None else 1
    gross_minor = (price["unit_amount"] or 0) * quantity
    mrr = (
        to_major(gross_minor, item.currency, currencies)
        * (1 - share)
        / interval_months(price)
        * fx.rate(item.currency, item.start.date())
    )
    return Piece(item.customer_id, item.subscription_id, item.start, item.end, mrr)


def build_pieces(staged: StagedRaw, fx: FxRates) -> list[Piece]:
    """Every MRR piece: one per recurring line and per positive proration
    line; negative prorations (credits for unused time) are ignored."""
    prices = {row["price_id"]: row for row in staged.tables["prices"]}
    lines = eligible_lines(staged)
    recurring = [item for item in lines if not item.is_proration]
    pieces = [
        recurring_piece(item, prices[item.line["price_id"]], fx, staged.currencies)
        for item in recurring
    ]
    for item in lines:
        if item.is_proration and (item.line["amount"] or 0) > 0:
            share = discount_share(item, recurring)
            price = prices[item.line["price_id"]]
            pieces.append(proration_piece(item, price, share, fx, staged.currencies))
    return pieces


# --------------------------------------------------------------------------
# Segments
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """A stretch ``[valid_from, valid_to)`` of constant MRR of a subscription."""

    customer_id: str
    subscription_id: str
    valid_from: datetime
    valid_to: datetime
    mrr: Fraction


def segments_of_subscription(pieces: list[Piece]) -> list[Segment]:
    """docs/decisions.md, D3: pieces grouped by start
    instant add up; group i is in effect on [start_i, min(max end of group i,
    start of group i+1)); empty segments are dropped. (So the old rate ends
    where a positive proration starts the new one.)"""
    groups: dict[datetime, list[Piece]] = defaultdict(list)
    for piece in pieces:
        groups[piece.start].append(piece)
    starts = sorted(groups)
    segments: list[Segment] = []
    for index, start in enumerate(starts):
        group = groups[start]
        end = max(piece.end for piece in group)
        if index + 1 < len(starts):
            end = min(end, starts[index + 1])
        if end > start:
            first = group[0]
            segments.append(
                Segment(
                    first.customer_id,
                    first.subscription_id,
                    start,
                    end,
                    sum((piece.mrr for piece in group), ZERO),
                )
            )
    return segments


def extended_subscription_ids(staged: StagedRaw) -> set[str]:
    """Subscriptions still live at the as-of date: staged status ``active`` or
    ``past_due``, cancel_at_period_end not true, ended_at null."""
    return {
        row["subscription_id"]
        for row in staged.tables["subscriptions"]
        if row["status"] in EXTENDED_STATUSES
        and row["cancel_at_period_end"] is not True
        and row["ended_at"] is None
    }


def extend_last_segment(segments: list[Segment], until: datetime) -> list[Segment]:
    """No false churn at the edge of the data: the last segment's end is
    raised to max(end, first day of the month after the as-of month)."""
    if not segments:
        return segments
    last = segments[-1]
    if last.valid_to >= until:
        return segments
    return segments[:-1] + [
        Segment(last.customer_id, last.subscription_id, last.valid_from, until, last.mrr)
    ]


def build_segments(staged: StagedRaw, as_of_month: date) -> list[Segment]:
    """All subscription segments (per customer and subscription), extended
    where the subscription is still live."""
    fx = FxRates(staged.tables["fx_rates"])
    by_subscription: dict[tuple[str, str], list[Piece]] = defaultdict(list)
    for piece in build_pieces(staged, fx):
        by_subscription[(piece.customer_id, piece.subscription_id)].append(piece)
    live = extended_subscription_ids(staged)
    until = month_boundary(as_of_month)
    segments: list[Segment] = []
    for (_, subscription_id), pieces in sorted(by_subscription.items()):
        own = segments_of_subscription(pieces)
        if subscription_id in live:
            own = extend_last_segment(own, until)
        segments.extend(own)
    return segments


# --------------------------------------------------------------------------
# Customer MRR by month and movements
# --------------------------------------------------------------------------


def mrr_at(segments: Iterable[Segment], month: date) -> Fraction:
    """MRR at month M: sum of the segments covering the month's last instant,
    i.e. valid_from < B and valid_to >= B with B = first day of M+1."""
    boundary = month_boundary(month)
    return sum((s.mrr for s in segments if s.valid_from < boundary <= s.valid_to), ZERO)


def customer_mrr_history(
    segments: list[Segment], as_of_month: date
) -> dict[str, dict[date, Fraction]]:
    """MRR per customer at every month from its first segment to the as-of
    month (months outside are 0)."""
    by_customer: dict[str, list[Segment]] = defaultdict(list)
    for segment in segments:
        by_customer[segment.customer_id].append(segment)
    history: dict[str, dict[date, Fraction]] = {}
    for customer_id, own in by_customer.items():
        first = month_start(min(s.valid_from for s in own))
        history[customer_id] = (
            {m: mrr_at(own, m) for m in month_series(first, as_of_month)}
            if first <= as_of_month
            else {}
        )
    return history


def first_paying_month(history: dict[date, Fraction]) -> date | None:
    """Earliest month (up to the as-of month) with MRR > 0; ``None`` if never
    paying."""
    paying = [m for m, mrr in history.items() if mrr > 0]
    return min(paying) if paying else None


def classify(previous: Fraction, current: Fraction, paid_before: bool) -> tuple[str, Fraction]:
    """MRR movement of one customer, month M against M-1 (docs/kpi_definitions.md,
    "MRR movements"); differences under 1e-6 are ``unchanged`` with 0."""
    was_paying, is_paying = previous > 0, current > 0
    if not was_paying and is_paying:
        return ("reactivation" if paid_before else "new"), current
    if was_paying and not is_paying:
        return "churn", -previous
    if was_paying and is_paying and abs(current - previous) >= CHANGE_EPSILON:
        return ("expansion" if current > previous else "contraction"), current - previous
    return "unchanged", ZERO


@dataclass(frozen=True)
class CustomerMonth:
    """One row of customer_mrr_by_month, exact."""

    customer_id: str
    month: date
    mrr: Fraction
    previous_mrr: Fraction
    movement: str
    movement_amount: Fraction


def customer_months(
    history: dict[str, dict[date, Fraction]], as_of_month: date
) -> list[CustomerMonth]:
    """Rows from each customer's first paying month to the as-of month,
    every month."""
    rows: list[CustomerMonth] = []
    for customer_id in sorted(history):
        mrr = history[customer_id]
        first = first_paying_month(mrr)
        if first is None:
            continue
        for month in month_series(first, as_of_month):
            current = mrr.get(month, ZERO)
            previous = mrr.get(add_months(month, -1), ZERO)
            movement, amount = classify(previous, current, paid_before=month > first)
            rows.append(CustomerMonth(customer_id, month, current, previous, movement, amount))
    return rows


# --------------------------------------------------------------------------
# Marts
# --------------------------------------------------------------------------


def ratio(numerator: Fraction | int, denominator: Fraction | int) -> float | None:
    """A ratio whose denominator is zero is null."""
    if denominator == 0:
        return None
    return float(Fraction(numerator) / Fraction(denominator))


@dataclass(frozen=True)
class MonthTotals:
    """Aggregates of customer_mrr_by_month for one month, exact."""

    month: date
    starting_mrr: Fraction
    ending_mrr: Fraction
    amounts: dict[str, Fraction]
    counts: dict[str, int]
    customers_at_start: int
    paying_customers: int


MOVEMENTS = ("new", "expansion", "contraction", "churn", "reactivation", "unchanged")


def month_totals(rows: list[CustomerMonth], series: list[date]) -> dict[date, MonthTotals]:
    """Per month: starting MRR (sum of MRR(M-1)), ending MRR, movement sums
    and counts, customers paying at the end of M-1 and of M. Months without
    activity get zeros."""
    by_month: dict[date, list[CustomerMonth]] = defaultdict(list)
    for row in rows:
        by_month[row.month].append(row)
    totals: dict[date, MonthTotals] = {}
    for month in series:
        own = by_month.get(month, [])
        amounts = {
            m: sum((r.movement_amount for r in own if r.movement == m), ZERO) for m in MOVEMENTS
        }
        counts = {m: sum(1 for r in own if r.movement == m) for m in MOVEMENTS}
        totals[month] = MonthTotals(
            month=month,
            starting_mrr=sum((r.previous_mrr for r in own), ZERO),
            ending_mrr=sum((r.mrr for r in own), ZERO),
            amounts=amounts,
            counts=counts,
            customers_at_start=sum(1 for r in own if r.previous_mrr > 0),
            paying_customers=sum(1 for r in own if r.mrr > 0),
        )
    return totals


def kpi_mrr_rows(totals: dict[date, MonthTotals]) -> list[dict[str, Any]]:
    """kpi_mrr: contraction and churn negative; net_new_mrr = sum of the
    movements; quick_ratio = (new + expansion + reactivation) /
    (|contraction| + |churn|)."""
    result = []
    for month, t in totals.items():
        a = t.amounts
        gains = a["new"] + a["expansion"] + a["reactivation"]
        losses = abs(a["contraction"]) + abs(a["churn"])
        result.append(
            {
                "month": month,
                "starting_mrr": float(t.starting_mrr),
                "new_mrr": float(a["new"]),
                "expansion_mrr": float(a["expansion"]),
                "reactivation_mrr": float(a["reactivation"]),
                "contraction_mrr": float(a["contraction"]),
                "churned_mrr": float(a["churn"]),
                "net_new_mrr": float(gains + a["contraction"] + a["churn"]),
                "ending_mrr": float(t.ending_mrr),
                "paying_customers": t.paying_customers,
                "new_customers": t.counts["new"],
                "reactivated_customers": t.counts["reactivation"],
                "churned_customers": t.counts["churn"],
                "quick_ratio": ratio(gains, losses),
            }
        )
    return result


def kpi_arr_rows(totals: dict[date, MonthTotals]) -> list[dict[str, Any]]:
    """kpi_arr: arr = 12 x ending MRR; arr_growth_yoy = arr / arr of M-12 - 1,
    null without month M-12 in the series or when that arr is 0."""
    arr = {month: 12 * t.ending_mrr for month, t in totals.items()}
    result = []
    for month, value in arr.items():
        year_ago = arr.get(add_months(month, -12))
        growth = None
        if year_ago is not None and year_ago != 0:
            growth = float(value / year_ago - 1)
        result.append({"month": month, "arr": float(value), "arr_growth_yoy": growth})
    return result


def kpi_arpu_rows(totals: dict[date, MonthTotals]) -> list[dict[str, Any]]:
    """kpi_arpu: arpu = MRR / paying customers at the month's end."""
    return [
        {
            "month": month,
            "mrr": float(t.ending_mrr),
            "paying_customers": t.paying_customers,
            "arpu": ratio(t.ending_mrr, t.paying_customers),
        }
        for month, t in totals.items()
    ]


def kpi_churn_rate_rows(totals: dict[date, MonthTotals]) -> list[dict[str, Any]]:
    """kpi_churn_rate: logo churn = churned / paying at the end of M-1;
    gross MRR churn = (|churn| + |contraction|) / starting MRR; net MRR churn
    = (|churn| + |contraction| - expansion - reactivation) / starting MRR."""
    result = []
    for month, t in totals.items():
        a = t.amounts
        losses = abs(a["churn"]) + abs(a["contraction"])
        result.append(
            {
                "month": month,
                "customers_at_start": t.customers_at_start,
                "churned_customers": t.counts["churn"],
                "logo_churn_rate": ratio(t.counts["churn"], t.customers_at_start),
                "gross_mrr_churn_rate": ratio(losses, t.starting_mrr),
                "net_mrr_churn_rate": ratio(
                    losses - a["expansion"] - a["reactivation"], t.starting_mrr
                ),
            }
        )
    return result


def nrr_12m(history: dict[str, dict[date, Fraction]], month: date) -> tuple[Fraction, Fraction]:
    """(MRR at the end of M of the customers paying at the end of M-12,
    their MRR at the end of M-12)."""
    base_month = add_months(month, -12)
    numerator, denominator = ZERO, ZERO
    for mrr in history.values():
        base = mrr.get(base_month, ZERO)
        if base > 0:
            denominator += base
            numerator += mrr.get(month, ZERO)
    return numerator, denominator


def kpi_retention_rows(
    totals: dict[date, MonthTotals], history: dict[str, dict[date, Fraction]]
) -> list[dict[str, Any]]:
    """kpi_retention_rate: logo retention = 1 - logo churn; GRR = (start -
    |churn| - |contraction|) / start; NRR = GRR's numerator + expansion
    (reactivation and new are not in the base); NRR 12m against M-12, null
    without that month in the series."""
    result = []
    for month, t in totals.items():
        a = t.amounts
        logo_churn = ratio(t.counts["churn"], t.customers_at_start)
        kept = t.starting_mrr - abs(a["churn"]) - abs(a["contraction"])
        nrr12 = None
        if add_months(month, -12) in totals:
            nrr12 = ratio(*nrr_12m(history, month))
        result.append(
            {
                "month": month,
                "logo_retention_rate": None if logo_churn is None else 1 - logo_churn,
                "gross_revenue_retention": ratio(kept, t.starting_mrr),
                "net_revenue_retention": ratio(kept + a["expansion"], t.starting_mrr),
                "net_revenue_retention_12m": nrr12,
            }
        )
    return result


def kpi_cohort_rows(
    history: dict[str, dict[date, Fraction]], as_of_month: date
) -> list[dict[str, Any]]:
    """kpi_cohort_retention: cohort = first paying month; one row per cohort
    for every months_since_start from 0 to the as-of month; active = paying at
    that month's end (reactivated customers count again); rates against the
    cohort's size and its month-0 MRR."""
    cohorts: dict[date, list[str]] = defaultdict(list)
    for customer_id, mrr in history.items():
        first = first_paying_month(mrr)
        if first is not None:
            cohorts[first].append(customer_id)
    result = []
    for cohort_month in sorted(cohorts):
        members = [history[c] for c in cohorts[cohort_month]]
        size = len(members)
        starting = sum((m.get(cohort_month, ZERO) for m in members), ZERO)
        for k in range(months_between(cohort_month, as_of_month) + 1):
            month = add_months(cohort_month, k)
            values = [m.get(month, ZERO) for m in members]
            active = sum(1 for v in values if v > 0)
            mrr = sum(values, ZERO)
            result.append(
                {
                    "cohort_month": cohort_month,
                    "months_since_start": k,
                    "cohort_customers": size,
                    "cohort_starting_mrr": float(starting),
                    "active_customers": active,
                    "mrr": float(mrr),
                    "logo_retention_rate": ratio(active, size),
                    "net_revenue_retention": ratio(mrr, starting),
                }
            )
    return result


def dim_customer_rows(
    staged: StagedRaw, history: dict[str, dict[date, Fraction]], as_of_month: date
) -> list[dict[str, Any]]:
    """dim_customers_revenue: every staged billing customer, its first paying
    month (None if never paying) and its MRR at the as-of month (0 if none)."""
    result = []
    for row in sorted(staged.tables["customers"], key=lambda r: r["customer_id"]):
        mrr = history.get(row["customer_id"], {})
        result.append(
            {
                "customer_id": row["customer_id"],
                "first_paying_month": first_paying_month(mrr),
                "current_mrr": float(mrr.get(as_of_month, ZERO)),
            }
        )
    return result


def customer_mrr_rows(rows: list[CustomerMonth]) -> list[dict[str, Any]]:
    """customer_mrr_by_month with float money."""
    return [
        {
            "customer_id": r.customer_id,
            "month": r.month,
            "mrr": float(r.mrr),
            "previous_mrr": float(r.previous_mrr),
            "movement": r.movement,
            "movement_amount": float(r.movement_amount),
        }
        for r in rows
    ]


# --------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------

MART_NAMES = (
    "customer_mrr_by_month",
    "kpi_mrr",
    "kpi_arr",
    "kpi_arpu",
    "kpi_churn_rate",
    "kpi_retention_rate",
    "kpi_cohort_retention",
    "dim_customers_revenue",
)


def compute_revenue_from_staged(
    staged: StagedRaw, as_of_date: date | None = None
) -> dict[str, list[dict]]:
    """The revenue marts from already staged raw data (see compute_revenue)."""
    if isinstance(as_of_date, datetime):
        as_of_date = as_of_date.date()
    if as_of_date is None:
        as_of_date = as_of_from_staged(staged)
    if as_of_date is None:
        marts: dict[str, list[dict]] = {name: [] for name in MART_NAMES}
        marts["dim_customers_revenue"] = [
            {"customer_id": r["customer_id"], "first_paying_month": None, "current_mrr": 0.0}
            for r in sorted(staged.tables["customers"], key=lambda r: r["customer_id"])
        ]
        marts["meta"] = [{"as_of_date": None, "as_of_month": None}]
        return marts
    as_of_month = month_start(as_of_date)
    segments = build_segments(staged, as_of_month)
    history = customer_mrr_history(segments, as_of_month)
    rows = customer_months(history, as_of_month)
    firsts = [f for f in (first_paying_month(h) for h in history.values()) if f is not None]
    series = month_series(min(firsts), as_of_month) if firsts else []
    totals = month_totals(rows, series)
    return {
        "customer_mrr_by_month": customer_mrr_rows(rows),
        "kpi_mrr": kpi_mrr_rows(totals),
        "kpi_arr": kpi_arr_rows(totals),
        "kpi_arpu": kpi_arpu_rows(totals),
        "kpi_churn_rate": kpi_churn_rate_rows(totals),
        "kpi_retention_rate": kpi_retention_rows(totals, history),
        "kpi_cohort_retention": kpi_cohort_rows(history, as_of_month),
        "dim_customers_revenue": dim_customer_rows(staged, history, as_of_month),
        "meta": [{"as_of_date": as_of_date, "as_of_month": as_of_month}],
    }


def compute_revenue(
    raw_dir: Path, seeds_dir: Path, as_of_date: date | None = None
) -> dict[str, list[dict]]:
    """Read and stage the raw CSV layout under ``raw_dir`` and compute the
    revenue marts. ``as_of_date`` defaults to the date of the latest staged
    invoice; it is returned under ``meta`` (one row: as_of_date,
    as_of_month)."""
    staged = load_raw(Path(raw_dir), Path(seeds_dir))
    return compute_revenue_from_staged(staged, as_of_date)
