"""Funnel, sales and acquisition KPIs of the reference.

Written from ``docs/kpi_definitions.md`` (marts ``kpi_funnel_conversion``,
``kpi_cac``, ``kpi_customer_lifetime_value``, ``kpi_sales_cycle_length``,
``kpi_sales_velocity``; "First-touch channel"; "Reporting currency") and the
project's readings where the definitions are silent (``docs/decisions.md``),
nothing else. Staging is :func:`reference.raw.load_raw`; new customers, ARPU
and churn counts come from the revenue reference.

Internally money is an exact :class:`fractions.Fraction`; the marts are
returned with money as unrounded ``float`` in USD, rates as ``float`` or
``None``, counts as ``int`` and months as first-of-month ``date``.

Public entry point: :func:`compute_funnel_and_sales`.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from statistics import median
from typing import Any

from .raw import Row, StagedRaw, load_raw
from .revenue import (
    ZERO,
    FxRates,
    add_months,
    as_of_from_staged,
    compute_revenue_from_staged,
    month_series,
    month_start,
)

ALL = "all"
UNKNOWN = "unknown"
SECONDS_PER_DAY = 86400

# kpi_funnel_conversion (docs/kpi_definitions.md): "stages in order".
STAGES = ("lead", "mql", "sql", "opportunity", "customer")
# docs/raw_contract.md, contacts: stage -> contact timestamp column.
STAGE_COLUMNS = {
    "lead": "became_lead_at",
    "mql": "became_mql_at",
    "sql": "became_sql_at",
    "opportunity": "became_opportunity_at",
    "customer": "became_customer_at",
}
# kpi_funnel_conversion: "reached the next stage within N days of entering this one, N a
# variable, 90 by default".
CONVERSION_WINDOW_DAYS = 90
# "rows for each consecutive pair, and one row lead -> customer".
STAGE_PAIRS = tuple(zip(STAGES, STAGES[1:])) + (("lead", "customer"),)

WON, LOST = "closedwon", "closedlost"
ACQUISITION_DEPARTMENTS = frozenset({"marketing", "sales"})
CHANNEL_DEPARTMENT = "marketing"

MART_NAMES = (
    "kpi_funnel_conversion",
    "kpi_sales_cycle_length",
    "kpi_sales_velocity",
    "kpi_cac",
    "kpi_customer_lifetime_value",
    "customer_first_touch",
)


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------


def safe_div(
    numerator: Fraction | int | None, denominator: Fraction | int | None
) -> Fraction | None:
    """docs/kpi_definitions.md: a ratio whose denominator is zero is null; and
    docs/decisions.md, D17: any None part -> None."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return Fraction(numerator) / Fraction(denominator)


def as_float(value: Fraction | None) -> float | None:
    """Marts carry unrounded floats (or None)."""
    return None if value is None else float(value)


def in_reported_range(month: date, as_of_month: date) -> bool:
    """docs/kpi_definitions.md: months after the as-of month are never reported."""
    return month <= as_of_month


# --------------------------------------------------------------------------
# Channels (docs/raw_contract.md, contacts.lead_source)
# --------------------------------------------------------------------------


def load_channels(seeds_dir: Path) -> frozenset[str]:
    """The channel list ``seeds/channels.csv`` (column ``channel``)."""
    with (Path(seeds_dir) / "channels.csv").open(newline="", encoding="utf-8-sig") as handle:
        return frozenset(rec["channel"].strip().lower() for rec in csv.DictReader(handle))


def normalise_channel(
    text: str | None, channels: frozenset[str], keep_null: bool = False
) -> str | None:
    """``lead_source`` lower-cased, trimmed, spaces and hyphens -> ``_``, kept
    when in the channel list, else ``unknown``; null -> ``unknown`` (contacts)
    or null (expenses: ``keep_null``, spend not attributable)."""
    if text is None or text.strip() == "":
        return None if keep_null else UNKNOWN
    value = text.strip().lower().replace(" ", "_").replace("-", "_")
    return value if value in channels else UNKNOWN


# --------------------------------------------------------------------------
# Contacts and kpi_funnel_conversion
# --------------------------------------------------------------------------


def live_contacts(staged: StagedRaw) -> list[Row]:
    """docs/raw_contract.md, contacts: staged contacts, ``is_deleted`` true left out (null
    counts as not deleted)."""
    return [row for row in staged.tables["contacts"] if row["is_deleted"] is not True]


def reached_stages(contact: Row) -> set[str]:
    """kpi_funnel_conversion (docs/kpi_definitions.md): a contact has reached a stage when it has a
    timestamp for it or for any later stage (skipped stages count as passed).
    Order of the timestamps does not matter."""
    last = max(
        (index for index, stage in enumerate(STAGES) if contact[STAGE_COLUMNS[stage]] is not None),
        default=-1,
    )
    return set(STAGES[: last + 1])


def cohort_month(contact: Row) -> date | None:
    """docs/decisions.md, D11: month of ``became_lead_at``; else of the earliest of
    the five stage timestamps; else of ``created_at`` (None if none)."""
    if contact["became_lead_at"] is not None:
        return month_start(contact["became_lead_at"])
    stamps = [contact[col] for col in STAGE_COLUMNS.values() if contact[col] is not None]
    if stamps:
        return month_start(min(stamps))
    if contact["created_at"] is not None:
        return month_start(contact["created_at"])
    return None


@dataclass(frozen=True)
class FunnelContact:
    """One contact as the funnel sees it."""

    contact_id: str
    cohort_month: date
    channel: str
    reached: frozenset[str]
    # The first instant the contact stood at each stage it reached, or at a later one.
    reached_at: dict[str, datetime]


def first_reached_at(contact: Row) -> dict[str, datetime]:
    """For each stage, the earliest timestamp of it or of any later stage (a skipped stage is
    passed when a later one is reached)."""
    result: dict[str, datetime] = {}
    for index, stage in enumerate(STAGES):
        stamps = [
            contact[STAGE_COLUMNS[later]]
            for later in STAGES[index:]
            if contact[STAGE_COLUMNS[later]] is not None
        ]
        if stamps:
            result[stage] = min(stamps)
    return result


def known_at(contact: Row, cutoff: datetime) -> Row | None:
    """The contact as known at the as-of instant: None when created at or after the cutoff;
    stage timestamps at or after it are not reached yet."""
    if contact["created_at"] is not None and contact["created_at"] >= cutoff:
        return None
    return {
        **contact,
        **{
            column: None
            if contact[column] is not None and contact[column] >= cutoff
            else contact[column]
            for column in STAGE_COLUMNS.values()
        },
    }


def funnel_contacts(
    staged: StagedRaw, channels: frozenset[str], as_of_date: date
) -> list[FunnelContact]:
    """Live contacts as known at the end of the as-of date, with a cohort month up to the as-of
    month (contacts whose cohort month is after it are left out; so is one without any date)."""
    as_of_month = month_start(as_of_date)
    cutoff = datetime.combine(as_of_date + timedelta(days=1), datetime.min.time())
    result = []
    for live in live_contacts(staged):
        contact = known_at(live, cutoff)
        if contact is None:
            continue
        cohort = cohort_month(contact)
        if cohort is None or not in_reported_range(cohort, as_of_month):
            continue
        result.append(
            FunnelContact(
                contact["contact_id"],
                cohort,
                normalise_channel(contact["lead_source"], channels) or UNKNOWN,
                frozenset(reached_stages(contact)),
                first_reached_at(contact),
            )
        )
    return result


def is_mature(cohort: date, as_of_date: date, window_days: int = CONVERSION_WINDOW_DAYS) -> bool:
    """The cohort month's last day lies at least the window before the as-of date."""
    last_day = add_months(cohort, 1) - timedelta(days=1)
    return (as_of_date - last_day).days >= window_days


def funnel_pair_row(
    cohort: date,
    channel: str,
    pair: tuple[str, str],
    members: list[FunnelContact],
    as_of_date: date,
) -> dict[str, Any]:
    """entered = members that reached from_stage; converted = those of them
    that reached to_stage; conversion_rate = converted / entered (None at 0);
    converted within the window when to_stage came at most the window after from_stage."""
    from_stage, to_stage = pair
    window = timedelta(days=CONVERSION_WINDOW_DAYS)
    entered = sum(1 for c in members if from_stage in c.reached)
    converted = sum(1 for c in members if from_stage in c.reached and to_stage in c.reached)
    within = sum(
        1
        for c in members
        if from_stage in c.reached
        and to_stage in c.reached
        and c.reached_at[to_stage] - c.reached_at[from_stage] <= window
    )
    return {
        "cohort_month": cohort,
        "channel": channel,
        "from_stage": from_stage,
        "to_stage": to_stage,
        "entered": entered,
        "converted": converted,
        "conversion_rate": as_float(safe_div(converted, entered)),
        "converted_within_window": within,
        "conversion_rate_within_window": as_float(safe_div(within, entered)),
        "is_mature": is_mature(cohort, as_of_date),
    }


def kpi_funnel_conversion_rows(
    contacts: list[FunnelContact], as_of_date: date
) -> list[dict[str, Any]]:
    """Five rows (the four consecutive pairs and lead -> customer) for every
    (cohort_month, channel) with at least one contact, and for channel
    ``all`` per cohort month (every channel summed)."""
    groups: dict[tuple[date, str], list[FunnelContact]] = defaultdict(list)
    for contact in contacts:
        groups[(contact.cohort_month, contact.channel)].append(contact)
        groups[(contact.cohort_month, ALL)].append(contact)
    return [
        funnel_pair_row(cohort, channel, pair, members, as_of_date)
        for (cohort, channel), members in sorted(groups.items())
        for pair in STAGE_PAIRS
    ]


# --------------------------------------------------------------------------
# Deals (docs/decisions.md, D12 and D13)
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Deal:
    """A staged, not deleted deal with its derived facts."""

    deal_id: str
    pipeline: str
    created_at: datetime | None
    closed_at: datetime | None
    is_closed: bool
    is_won: bool
    amount_usd: Fraction | None

    @property
    def cycle_days(self) -> Fraction | None:
        """Days from created_at to closed_at, fractional (seconds / 86400)."""
        if self.created_at is None or self.closed_at is None:
            return None
        delta = self.closed_at - self.created_at
        return Fraction(delta.days * SECONDS_PER_DAY + delta.seconds, SECONDS_PER_DAY) + Fraction(
            delta.microseconds, SECONDS_PER_DAY * 10**6
        )


def deal_is_closed(deal: Row) -> bool:
    """Closed = stage closedwon or closedlost AND closed_at not null."""
    return deal["deal_stage"] in (WON, LOST) and deal["closed_at"] is not None


def deal_amount_usd(deal: Row, fx: FxRates) -> Fraction | None:
    """docs/kpi_definitions.md "Reporting currency": a deal's amount is converted
    at the rate of ``closed_at`` (its ``created_at`` while open); null amount
    stays null; a missing rate raises MissingFxRate."""
    if deal["amount"] is None:
        return None
    when = deal["closed_at"] if deal_is_closed(deal) else deal["created_at"]
    if when is None:  # an open deal without created_at: only USD is convertible
        return Fraction(deal["amount"]) * fx.rate(deal["currency"], date.min)
    return Fraction(deal["amount"]) * fx.rate(deal["currency"], when.date())


def staged_deals(staged: StagedRaw, fx: FxRates) -> list[Deal]:
    """One row per deal_id (load_raw already kept the latest ``updated_at``),
    deleted deals left out; the stage history is not needed: a reopened deal
    counts once, by its current (final) state."""
    result = []
    for row in staged.tables["deals"]:
        if row["is_deleted"] is True:
            continue
        closed = deal_is_closed(row)
        result.append(
            Deal(
                deal_id=row["deal_id"],
                pipeline=row["pipeline"],
                created_at=row["created_at"],
                closed_at=row["closed_at"],
                is_closed=closed,
                is_won=closed and row["deal_stage"] == WON,
                amount_usd=deal_amount_usd(row, fx),
            )
        )
    return result


def group_by_month_and_pipeline(
    deals: Iterable[Deal], when: str, as_of_month: date
) -> dict[tuple[date, str], list[Deal]]:
    """Deals by (month of ``when``, pipeline) and (month, ``all``), months up
    to the as-of month only."""
    groups: dict[tuple[date, str], list[Deal]] = defaultdict(list)
    for deal in deals:
        stamp = getattr(deal, when)
        if stamp is None or not in_reported_range(month_start(stamp), as_of_month):
            continue
        month = month_start(stamp)
        groups[(month, deal.pipeline)].append(deal)
        groups[(month, ALL)].append(deal)
    return groups


def mean(values: list[Fraction]) -> Fraction | None:
    """Arithmetic mean, None for no values."""
    return sum(values, ZERO) / len(values) if values else None


# --------------------------------------------------------------------------
# kpi_sales_cycle_length
# --------------------------------------------------------------------------


def kpi_sales_cycle_length_rows(deals: list[Deal], as_of_month: date) -> list[dict[str, Any]]:
    """Won deals by month of closed_at and pipeline (plus ``all``): count,
    mean and median cycle days (median of an even count = mean of the two
    middle values). Only months with won deals."""
    won = group_by_month_and_pipeline((d for d in deals if d.is_won), "closed_at", as_of_month)
    rows = []
    for (month, pipeline), members in sorted(won.items()):
        cycles = [d.cycle_days for d in members if d.cycle_days is not None]
        rows.append(
            {
                "month": month,
                "pipeline": pipeline,
                "won_deals": len(members),
                "avg_sales_cycle_days": as_float(mean(cycles)),
                "median_sales_cycle_days": as_float(median(cycles)) if cycles else None,
            }
        )
    return rows


# --------------------------------------------------------------------------
# kpi_sales_velocity
# --------------------------------------------------------------------------


def sales_velocity(
    opportunities: int,
    win_rate: Fraction | None,
    avg_deal_size: Fraction | None,
    avg_cycle_days: Fraction | None,
) -> Fraction | None:
    """sales_velocity = opportunities x win_rate x avg_deal_size /
    avg_sales_cycle_days (revenue per day); None if any part is None or the
    cycle is 0."""
    if win_rate is None or avg_deal_size is None:
        return None
    return safe_div(opportunities * win_rate * avg_deal_size, avg_cycle_days)


def kpi_sales_velocity_rows(deals: list[Deal], as_of_month: date) -> list[dict[str, Any]]:
    """Per (month, pipeline) with opportunities > 0 or closed_deals > 0, plus
    ``all`` per such month: opportunities = created in the month; closed and
    won by closed_at; win_rate = won / closed; avg_deal_size over the won
    deals with an amount; avg cycle over the won deals."""
    created = group_by_month_and_pipeline(deals, "created_at", as_of_month)
    closed = group_by_month_and_pipeline(
        (d for d in deals if d.is_closed), "closed_at", as_of_month
    )
    rows = []
    for key in sorted(set(created) | set(closed)):
        month, pipeline = key
        closed_here = closed.get(key, [])
        won_here = [d for d in closed_here if d.is_won]
        opportunities = len(created.get(key, []))
        win_rate = safe_div(len(won_here), len(closed_here))
        deal_size = mean([d.amount_usd for d in won_here if d.amount_usd is not None])
        cycle = mean([d.cycle_days for d in won_here if d.cycle_days is not None])
        rows.append(
            {
                "month": month,
                "pipeline": pipeline,
                "opportunities": opportunities,
                "closed_deals": len(closed_here),
                "won_deals": len(won_here),
                "win_rate": as_float(win_rate),
                "avg_deal_size": as_float(deal_size),
                "avg_sales_cycle_days": as_float(cycle),
                "sales_velocity": as_float(
                    sales_velocity(opportunities, win_rate, deal_size, cycle)
                ),
            }
        )
    return rows


# --------------------------------------------------------------------------
# First touch (docs/kpi_definitions.md "First-touch channel"; docs/decisions.md, D9)
# --------------------------------------------------------------------------


def _contact_order(contact: Row) -> tuple[bool, datetime, str]:
    """Earliest created first (null created_at last), ties by smallest
    contact_id (text order)."""
    created = contact["created_at"]
    return (created is None, created or datetime.min, contact["contact_id"])


def crm_company_links(staged: StagedRaw) -> dict[str, str]:
    """customer_id -> CRM company (docs/decisions.md, D29): the billing system's
    own crm_company_id; else the one non-deleted staged company whose domain
    (lower case) is the e-mail's domain. A domain shared by two companies links
    nobody."""
    by_domain: dict[str, list[str]] = {}
    for company in staged.tables["companies"]:
        if company["is_deleted"] or not company["domain"]:
            continue
        by_domain.setdefault(company["domain"].lower(), []).append(company["company_id"])
    links = {}
    for customer in staged.tables["customers"]:
        if customer["crm_company_id"]:
            links[customer["customer_id"]] = customer["crm_company_id"]
            continue
        email = customer["email"] or ""
        candidates = by_domain.get(email.rpartition("@")[2].lower(), []) if "@" in email else []
        if len(candidates) == 1:
            links[customer["customer_id"]] = candidates[0]
    return links


def first_touch_channels(staged: StagedRaw, channels: frozenset[str]) -> dict[str, str]:
    """customer_id -> channel of the earliest-created live staged contact
    whose company_id = the customer's CRM company (crm_company_links);
    ``unknown`` without a link, a contact or a source. Every staged billing
    customer."""
    first_contact: dict[str, Row] = {}
    for contact in live_contacts(staged):
        company = contact["company_id"]
        if company is None:
            continue
        best = first_contact.get(company)
        if best is None or _contact_order(contact) < _contact_order(best):
            first_contact[company] = contact
    links = crm_company_links(staged)
    result = {}
    for customer in staged.tables["customers"]:
        company_id = links.get(customer["customer_id"])
        contact = first_contact.get(company_id) if company_id else None
        result[customer["customer_id"]] = (
            UNKNOWN
            if contact is None
            else normalise_channel(contact["lead_source"], channels) or UNKNOWN
        )
    return result


def customer_first_touch_rows(first_touch: dict[str, str]) -> list[dict[str, Any]]:
    """customer_first_touch: (customer_id, first_touch_channel) per staged
    billing customer."""
    return [
        {"customer_id": cid, "first_touch_channel": channel}
        for cid, channel in sorted(first_touch.items())
    ]


# --------------------------------------------------------------------------
# Acquisition spend and kpi_cac
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Spend:
    """One acquisition expense, converted to USD."""

    month: date
    department: str
    channel: str | None
    amount_usd: Fraction


def acquisition_spend(
    staged: StagedRaw, fx: FxRates, channels: frozenset[str], as_of_month: date
) -> list[Spend]:
    """Staged expenses of department marketing or sales (others are not
    acquisition cost), converted at the rate of ``incurred_on``; negative
    corrections count negative; months after the as-of month left out."""
    result = []
    for row in staged.tables["expenses"]:
        if row["department"] not in ACQUISITION_DEPARTMENTS:
            continue
        month = month_start(row["incurred_on"])
        if not in_reported_range(month, as_of_month):
            continue
        amount = Fraction(row["amount"] or 0) * fx.rate(row["currency"], row["incurred_on"])
        result.append(
            Spend(
                month,
                row["department"],
                normalise_channel(row["channel"], channels, keep_null=True),
                amount,
            )
        )
    return result


def new_customers_by_month(revenue: dict[str, list[dict]]) -> dict[date, list[str]]:
    """Customers whose revenue movement is ``new`` (first paying month;
    reactivations are not new), by month."""
    result: dict[date, list[str]] = defaultdict(list)
    for row in revenue["customer_mrr_by_month"]:
        if row["movement"] == "new":
            result[row["month"]].append(row["customer_id"])
    return result


def cac_row(month: date, channel: str, spend: Fraction, new_customers: int) -> dict[str, Any]:
    """cac = spend / new customers; None when there are no new customers."""
    return {
        "month": month,
        "channel": channel,
        "acquisition_spend": float(spend),
        "new_customers": new_customers,
        "cac": as_float(safe_div(spend, new_customers)),
    }


def kpi_cac_rows(
    spend: list[Spend],
    new_by_month: dict[date, list[str]],
    first_touch: dict[str, str],
    as_of_month: date,
) -> list[dict[str, Any]]:
    """``all``: every acquisition expense of the month / new customers of
    the month, every month from the earliest month with an acquisition
    expense or a new customer to the as-of month. Channel rows: marketing
    expenses booked to the channel / new customers with that first-touch
    channel, where spend != 0 or new customers > 0."""
    total_spend: dict[date, Fraction] = defaultdict(lambda: ZERO)
    channel_spend: dict[tuple[date, str], Fraction] = defaultdict(lambda: ZERO)
    for item in spend:
        total_spend[item.month] += item.amount_usd
        if item.department == CHANNEL_DEPARTMENT and item.channel is not None:
            channel_spend[(item.month, item.channel)] += item.amount_usd
    channel_new: dict[tuple[date, str], int] = defaultdict(int)
    for month, customers in new_by_month.items():
        for cid in customers:
            channel_new[(month, first_touch.get(cid, UNKNOWN))] += 1

    months = [m for m in set(total_spend) | set(new_by_month) if in_reported_range(m, as_of_month)]
    rows = []
    if months:
        for month in month_series(min(months), as_of_month):
            rows.append(
                cac_row(month, ALL, total_spend.get(month, ZERO), len(new_by_month.get(month, [])))
            )
    for key in sorted(set(channel_spend) | set(channel_new)):
        month, channel = key
        amount, count = channel_spend.get(key, ZERO), channel_new.get(key, 0)
        if in_reported_range(month, as_of_month) and (amount != 0 or count > 0):
            rows.append(cac_row(month, channel, amount, count))
    rows.sort(key=lambda r: (r["month"], r["channel"] != ALL, r["channel"]))
    return rows


# --------------------------------------------------------------------------
# kpi_customer_lifetime_value
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitEconomics:
    """The LTV formulas of kpi_customer_lifetime_value (docs/kpi_definitions.md),
    on their direct inputs."""

    ltv: Fraction | None
    cac: Fraction | None
    ltv_to_cac_ratio: Fraction | None
    cac_payback_months: Fraction | None


def unit_economics(
    arpu: Fraction | None,
    gross_margin: Fraction,
    churn_rate: Fraction | None,
    spend: Fraction,
    new_customers: int,
) -> UnitEconomics:
    """ltv = arpu x gross_margin / churn; cac = spend / new customers;
    ltv_to_cac = ltv / cac; cac_payback_months = cac / (arpu x gross_margin).
    Any None or zero denominator -> None."""
    margin_revenue = None if arpu is None else arpu * gross_margin
    ltv = safe_div(margin_revenue, churn_rate)
    cac = safe_div(spend, new_customers)
    return UnitEconomics(ltv, cac, safe_div(ltv, cac), safe_div(cac, margin_revenue))


def trailing_months(month: date, n: int = 3) -> list[date]:
    """M-(n-1) .. M."""
    return [add_months(month, -k) for k in range(n - 1, -1, -1)]


def kpi_customer_lifetime_value_rows(
    revenue: dict[str, list[dict]],
    spend: list[Spend],
    gross_margin: Fraction,
) -> list[dict[str, Any]]:
    """One row per revenue month: arpu of the month; logo_churn_rate_3m =
    churned over M-2..M / customers at start over M-2..M (months before the
    first revenue month count 0); cac = acquisition spend of M-2..M / new
    customers of M-2..M; then the unit-economics formulas."""
    arpu = {r["month"]: r["arpu"] for r in revenue["kpi_arpu"]}
    churn = {
        r["month"]: (r["churned_customers"], r["customers_at_start"])
        for r in revenue["kpi_churn_rate"]
    }
    new = {r["month"]: r["new_customers"] for r in revenue["kpi_mrr"]}
    spend_by_month: dict[date, Fraction] = defaultdict(lambda: ZERO)
    for item in spend:
        spend_by_month[item.month] += item.amount_usd
    rows = []
    for month in sorted(arpu):
        window = trailing_months(month)
        churned = sum(churn.get(m, (0, 0))[0] for m in window)
        at_start = sum(churn.get(m, (0, 0))[1] for m in window)
        churn_3m = safe_div(churned, at_start)
        month_arpu = None if arpu[month] is None else Fraction(arpu[month])
        economics = unit_economics(
            month_arpu,
            gross_margin,
            churn_3m,
            sum((spend_by_month.get(m, ZERO) for m in window), ZERO),
            sum(new.get(m, 0) for m in window),
        )
        rows.append(
            {
                "month": month,
                "arpu": arpu[month],
                "gross_margin": float(gross_margin),
                "logo_churn_rate_3m": as_float(churn_3m),
                "ltv": as_float(economics.ltv),
                "cac": as_float(economics.cac),
                "ltv_to_cac_ratio": as_float(economics.ltv_to_cac_ratio),
                "cac_payback_months": as_float(economics.cac_payback_months),
            }
        )
    return rows


# --------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------


def compute_funnel_and_sales_from_staged(
    staged: StagedRaw,
    seeds_dir: Path,
    as_of_date: date | None = None,
    gross_margin: float = 0.8,
) -> dict[str, list[dict]]:
    """The funnel, sales and acquisition marts from already staged raw data
    (see :func:`compute_funnel_and_sales`)."""
    if isinstance(as_of_date, datetime):
        as_of_date = as_of_date.date()
    if as_of_date is None:
        as_of_date = as_of_from_staged(staged)
    channels = load_channels(seeds_dir)
    first_touch = first_touch_channels(staged, channels)
    marts: dict[str, list[dict]] = {name: [] for name in MART_NAMES}
    marts["customer_first_touch"] = customer_first_touch_rows(first_touch)
    if as_of_date is None:
        # No as-of date (no invoice and no variable): no month is reportable.
        return marts
    as_of_month = month_start(as_of_date)
    fx = FxRates(staged.tables["fx_rates"])
    revenue = compute_revenue_from_staged(staged, as_of_date)
    deals = staged_deals(staged, fx)
    spend = acquisition_spend(staged, fx, channels, as_of_month)
    margin = Fraction(repr(float(gross_margin)))
    marts["kpi_funnel_conversion"] = kpi_funnel_conversion_rows(
        funnel_contacts(staged, channels, as_of_date), as_of_date
    )
    marts["kpi_sales_cycle_length"] = kpi_sales_cycle_length_rows(deals, as_of_month)
    marts["kpi_sales_velocity"] = kpi_sales_velocity_rows(deals, as_of_month)
    marts["kpi_cac"] = kpi_cac_rows(
        spend, new_customers_by_month(revenue), first_touch, as_of_month
    )
    marts["kpi_customer_lifetime_value"] = kpi_customer_lifetime_value_rows(revenue, spend, margin)
    return marts


def compute_funnel_and_sales(
    raw_dir: Path,
    seeds_dir: Path,
    as_of_date: date | None = None,
    gross_margin: float = 0.8,
) -> dict[str, list[dict]]:
    """Read and stage the raw CSV layout under ``raw_dir`` and compute
    kpi_funnel_conversion, kpi_sales_cycle_length, kpi_sales_velocity,
    kpi_cac, kpi_customer_lifetime_value and customer_first_touch.
    ``as_of_date`` defaults to the revenue reference's (latest staged
    invoice); ``gross_margin`` is the project variable (default 0.8)."""
    staged = load_raw(Path(raw_dir), Path(seeds_dir))
    return compute_funnel_and_sales_from_staged(staged, Path(seeds_dir), as_of_date, gross_margin)
