"""CRM records (HubSpot-like): companies, contacts, deals and their stage history."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from generator.catalogue import FIRST_NAMES, LAST_NAMES, email_local
from generator.common import (
    SECOND,
    RawFormatter,
    Sink,
    Values,
    Weights,
    between,
    jitter,
    lognormvariate,
)

FUNNEL: tuple[str, ...] = ("lead", "mql", "sql", "opportunity", "customer")
FUNNEL_DOWN: tuple[str, ...] = FUNNEL[::-1]
STAGE_COLUMN: dict[str, str] = {
    "lead": "became_lead_at",
    "mql": "became_mql_at",
    "sql": "became_sql_at",
    "opportunity": "became_opportunity_at",
    "customer": "became_customer_at",
}
LIFECYCLE: dict[str, str] = {
    "lead": "lead",
    "mql": "marketingqualifiedlead",
    "sql": "salesqualifiedlead",
    "opportunity": "opportunity",
    "customer": "customer",
}
OPEN_STAGES: tuple[str, ...] = (
    "appointmentscheduled",
    "qualifiedtobuy",
    "presentationscheduled",
    "decisionmakerboughtin",
    "contractsent",
)
CLOSED_STAGES: tuple[str, ...] = ("closedwon", "closedlost")

CHANNEL_WEIGHTS: Weights[str] = Weights(
    (
        ("organic_search", 0.22),
        ("paid_search", 0.19),
        ("paid_social", 0.12),
        ("referral", 0.10),
        ("events", 0.08),
        ("outbound", 0.13),
        ("partner", 0.06),
        ("direct", 0.10),
    )
)
FREE_TEXT_SOURCES: tuple[str, ...] = ("webinar", "Trade show", "LinkedIn", "G2 review", "podcast")

INDUSTRIES: tuple[str, ...] = (
    "Software",
    "Financial Services",
    "Healthcare",
    "Retail",
    "Manufacturing",
    "Education",
    "Media",
    "Logistics",
    "Professional Services",
    "Real Estate",
    "Hospitality",
)
COUNTRIES: Weights[str] = Weights(
    (
        ("US", 0.50),
        ("GB", 0.12),
        ("DE", 0.08),
        ("CA", 0.07),
        ("FR", 0.05),
        ("NL", 0.04),
        ("AU", 0.03),
        ("IE", 0.02),
        ("ES", 0.02),
        ("SE", 0.02),
        ("IN", 0.02),
        ("BR", 0.01),
        ("SG", 0.01),
        ("JP", 0.01),
    )
)
COMPANY_ADJ: tuple[str, ...] = (
    "Blue",
    "Bright",
    "Cedar",
    "Clear",
    "Copper",
    "Crimson",
    "Delta",
    "Eagle",
    "Evergreen",
    "First",
    "Golden",
    "Granite",
    "Green",
    "Harbor",
    "Iron",
    "Lake",
    "Maple",
    "Meridian",
    "North",
    "Nova",
    "Oak",
    "Orbit",
    "Pacific",
    "Pine",
    "Pioneer",
    "Prime",
    "Quantum",
    "Rapid",
    "Red",
    "River",
    "Silver",
    "Summit",
    "Sun",
    "True",
    "Union",
    "Vertex",
    "West",
    "Zen",
    "Atlas",
    "Beacon",
    "Cobalt",
    "Falcon",
    "Juniper",
    "Lumen",
    "Mosaic",
    "Nimbus",
)
COMPANY_NOUN: tuple[str, ...] = (
    "Analytics",
    "Bank",
    "Bio",
    "Brands",
    "Capital",
    "Cloud",
    "Commerce",
    "Consulting",
    "Data",
    "Dynamics",
    "Energy",
    "Foods",
    "Freight",
    "Health",
    "Insights",
    "Labs",
    "Learning",
    "Logistics",
    "Media",
    "Medical",
    "Metrics",
    "Mobility",
    "Networks",
    "Partners",
    "Payments",
    "Retail",
    "Robotics",
    "Security",
    "Software",
    "Solutions",
    "Studio",
    "Systems",
    "Tech",
    "Travel",
    "Ventures",
    "Works",
    "Apparel",
    "Home",
    "Games",
    "Outdoors",
    "Pharma",
    "Legal",
)
COMPANY_SUFFIX: dict[str, tuple[str, ...]] = {
    "US": ("Inc", "LLC", "Corp", ""),
    "GB": ("Ltd", "PLC", ""),
    "DE": ("GmbH", "AG", ""),
    "FR": ("SAS", "SA", ""),
    "NL": ("BV", ""),
    "IE": ("Ltd", ""),
    "ES": ("SL", ""),
    "SE": ("AB", ""),
    "CA": ("Inc", "Ltd", ""),
    "AU": ("Pty Ltd", ""),
}


# --------------------------------------------------------------------------- companies


@dataclass(slots=True)
class Company:
    company_id: str
    name: str
    domain: str
    industry: str
    country: str
    employee_count: int | None
    owner_id: str | None
    created_at: datetime
    updated_at: datetime
    is_deleted: bool = False


def make_company(rng: random.Random, number: int, created_at: datetime, owner_id: str) -> Company:
    adjective, noun = rng.choice(COMPANY_ADJ), rng.choice(COMPANY_NOUN)
    country = COUNTRIES.draw(rng)
    suffix = rng.choice(COMPANY_SUFFIX.get(country, ("",)))
    name = f"{adjective} {noun}" + (f" {suffix}" if suffix else "")
    if rng.random() < 0.04:
        name = f"{adjective}, {noun} & Co"  # a name with a comma (CSV quoting)
    domain = f"{adjective}{noun}".lower() + ".example"
    employees: int | None = int(lognormvariate(rng, 4.0, 1.2)) + 2
    if rng.random() < 0.08:
        employees = None
    return Company(
        company_id=str(number).zfill(6),
        name=name,
        domain=domain,
        industry=rng.choice(INDUSTRIES),
        country=country,
        employee_count=employees,
        owner_id=owner_id,
        created_at=created_at,
        updated_at=created_at,
    )


def company_row(
    company: Company,
    fmt: RawFormatter,
    *,
    name: str | None = None,
    updated_at: datetime | None = None,
) -> Values:
    return (
        company.company_id,
        company.name if name is None else name,
        company.domain,
        company.industry,
        company.country,
        fmt.integer(company.employee_count),
        company.owner_id or "",
        fmt.ts(company.created_at, bare_date_ok=True),
        fmt.ts(company.updated_at if updated_at is None else updated_at),
        fmt.boolean(company.is_deleted),
    )


def write_company(sink: Sink, fmt: RawFormatter, rng: random.Random, company: Company) -> bool:
    """Writes the company; ~1% get a stale earlier load (older name) written AFTER the newer one."""
    rows = sink.rows("crm/companies")
    rows.append(company_row(company, fmt))
    duplicated = rng.random() < 0.01 and company.updated_at > company.created_at
    if duplicated:
        stale_name = company.name.rsplit(" ", 1)[0] if " " in company.name else company.name.upper()
        rows.append(company_row(company, fmt, name=stale_name, updated_at=company.created_at))
    return duplicated


# --------------------------------------------------------------------------- lead sources


def pick_channel(rng: random.Random) -> str:
    return CHANNEL_WEIGHTS.draw(rng)


def raw_lead_source(rng: random.Random, channel: str) -> str | None:
    """The channel as typed in the CRM: mostly clean, sometimes messy, sometimes missing."""
    roll = rng.random()
    if roll < 0.05:
        return None
    if roll < 0.08:
        return rng.choice(FREE_TEXT_SOURCES)
    if roll < 0.88:
        return channel
    style = rng.randrange(4)
    if style == 0:
        return channel.replace("_", " ").title()  # "Paid Search"
    if style == 1:
        return channel.upper()  # "PAID_SOCIAL"
    if style == 2:
        return f" {channel} "  # " organic_search "
    return channel.capitalize()  # "Referral"


# --------------------------------------------------------------------------- contacts


@dataclass(slots=True)
class Contact:
    contact_id: str
    first_name: str
    last_name: str
    email: str | None
    company_id: str | None
    owner_id: str | None
    lead_source: str | None
    created_at: datetime
    stages: dict[str, datetime] = field(default_factory=dict)
    special: str | None = None  # "subscriber", "evangelist" or "other" overrides the stage
    is_deleted: bool = False
    updated_at: datetime | None = None


def make_contact(
    rng: random.Random,
    number: int,
    domain: str | None,
    company_id: str | None,
    created_at: datetime,
    lead_source: str | None,
) -> Contact:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    email: str | None = f"{email_local(first, last)}@{domain or 'example.com'}"
    if rng.random() < 0.02:
        email = None
    return Contact(
        str(100_000 + number), first, last, email, company_id, None, lead_source, created_at
    )


def lifecycle(stages: dict[str, datetime], special: str | None) -> str:
    if special == "other":
        return "other"
    if special == "evangelist" and "customer" in stages:
        return "evangelist"
    for stage in FUNNEL_DOWN:  # the furthest stage reached
        if stage in stages:
            return LIFECYCLE[stage]
    return "subscriber"


def apply_contact_noise(rng: random.Random, contact: Contact, now: datetime) -> None:
    """Realistic CRM mess: out-of-order timestamps, missing lead date, soft deletes."""
    stages = contact.stages
    if "lead" in stages and "mql" in stages and rng.random() < 0.03:
        stages["mql"] = stages["lead"] - timedelta(rng.randint(1, 6), rng.randint(0, 86399))
    if len(stages) >= 2 and "lead" in stages and rng.random() < 0.05:
        del stages["lead"]
    if rng.random() < 0.015:
        contact.is_deleted = True
    updated = jitter(rng, max([contact.created_at, *stages.values()]), 60, 3 * 86400)
    contact.updated_at = updated if updated < now else now  # min(), a tenth of the cost


STAGE_ORDER: tuple[str, ...] = tuple(STAGE_COLUMN)


def contact_row(
    contact: Contact, fmt: RawFormatter, stages: dict[str, datetime], updated_at: datetime | None
) -> Values:
    ts = fmt.ts
    # the formatter's draws happen in the original order: created_at, is_deleted,
    # updated_at, then the stage columns (lead .. customer); columns are in contract order
    created_at = ts(contact.created_at, bare_date_ok=True)
    is_deleted = fmt.boolean(contact.is_deleted)
    updated = ts(updated_at)
    get = stages.get
    return (
        contact.contact_id,
        contact.email or "",
        contact.first_name,
        contact.last_name,
        contact.company_id or "",
        contact.owner_id or "",
        contact.lead_source or "",
        lifecycle(stages, contact.special),
        created_at,
        ts(get("lead")),
        ts(get("mql")),
        ts(get("sql")),
        ts(get("opportunity")),
        ts(get("customer")),
        is_deleted,
        updated,
    )


def write_contact(sink: Sink, fmt: RawFormatter, rng: random.Random, contact: Contact) -> bool:
    """Writes a contact; ~2% are loaded twice: an older snapshot with an earlier stage.

    The file order of the two loads is random, so only `updated_at` tells the winner.
    """
    rows = sink.rows("crm/contacts")
    final = contact_row(contact, fmt, contact.stages, contact.updated_at)
    stages = contact.stages
    if len(stages) < 2 or contact.updated_at is None or not rng.random() < 0.02:
        rows.append(final)
        return False
    times = sorted(stages.values())
    lower = max(times[-2], contact.created_at)
    if lower >= times[-1] - timedelta(seconds=1):
        rows.append(final)
        return False
    snapshot_at = between(rng, lower, times[-1] - timedelta(seconds=1))
    old_stages = {stage: at for stage, at in stages.items() if at <= snapshot_at}
    stale = contact_row(contact, fmt, old_stages, snapshot_at)
    first, second = (stale, final) if rng.random() < 0.5 else (final, stale)
    rows.append(first)
    rows.append(second)
    return True


# --------------------------------------------------------------------------- deals


@dataclass(slots=True)
class Deal:
    deal_id: str
    company_id: str | None
    owner_id: str | None
    name: str
    pipeline: str
    created_at: datetime
    history: list[tuple[str, datetime]]
    amount_minor: int | None
    currency: str
    updated_at: datetime
    is_deleted: bool = False

    @property
    def stage(self) -> str:
        return self.history[-1][0]

    @property
    def closed_at(self) -> datetime | None:
        stage, at = self.history[-1]
        return at if stage in CLOSED_STAGES else None


def stage_path(
    rng: random.Random, created: datetime, end: datetime, outcome: str, reopen: bool = False
) -> list[tuple[str, datetime]]:
    """Stages entered from `created` to `end`.

    outcome: "won"/"lost" (closed at `end`) or "open" (last stage entered before `end`).
    reopen: contractsent -> closedlost -> contractsent -> closedwon.
    """
    if outcome == "won":
        stages = (
            [OPEN_STAGES[0]]
            + [s for s in OPEN_STAGES[1:-1] if not rng.random() < 0.15]
            + [OPEN_STAGES[-1]]
        )
    else:
        depth = rng.randint(1, len(OPEN_STAGES))
        stages = list(OPEN_STAGES[:depth])
    inner = len(stages) - 1 + (2 if reopen else 0)
    span = int((end - created).total_seconds()) - 60
    span = span if span > 1 else 1  # max(1, ...), a tenth of the cost
    # a deal closed less than two minutes after it opened gets all its stages at the close
    # (`low` is 60 whenever there is room for it)
    low = 60 if span > 60 else span
    randint = rng.randint
    offsets = sorted([randint(low, span) for _ in range(inner)])
    path = [(stages[0], created)]
    times = [created + SECOND * offset for offset in offsets]
    for stage, at in zip(stages[1:], times):
        path.append((stage, at))
    if reopen:
        path.append(("closedlost", times[-2]))
        path.append(("contractsent", times[-1]))
    if outcome == "won":
        path.append(("closedwon", end))
    elif outcome == "lost":
        path.append(("closedlost", end))
    return path


def deal_row(
    deal: Deal, fmt: RawFormatter, history: list[tuple[str, datetime]], updated_at: datetime
) -> Values:
    stage, at = history[-1]
    ts = fmt.ts
    return (
        deal.deal_id,
        deal.company_id or "",
        deal.owner_id or "",
        deal.name,
        deal.pipeline,
        stage,
        fmt.major(deal.amount_minor),
        fmt.currency(deal.currency, lower_share=0.1, mixed_share=0.08),
        ts(deal.created_at),
        ts(at if stage in CLOSED_STAGES else None),
        fmt.boolean(deal.is_deleted),
        ts(updated_at),
    )


def write_deal(sink: Sink, fmt: RawFormatter, rng: random.Random, deal: Deal) -> bool:
    """Deal row (sometimes with a stale earlier load) and its stage history rows."""
    deals = sink.rows("crm/deals")
    final = deal_row(deal, fmt, deal.history, deal.updated_at)
    duplicated = len(deal.history) >= 2 and rng.random() < 0.02
    if duplicated:
        previous, last = deal.history[-2][1], deal.history[-1][1]
        snapshot_at = (
            between(rng, previous, last - timedelta(seconds=1)) if last > previous else previous
        )
        stale = deal_row(deal, fmt, deal.history[:-1], snapshot_at)
        first, second = (stale, final) if rng.random() < 0.5 else (final, stale)
        deals.append(first)
        deals.append(second)
    else:
        deals.append(final)
    history = sink.rows("crm/deal_stage_history")
    deal_id, ts, random_ = deal.deal_id, fmt.ts, rng.random
    for stage, at in deal.history:
        row = (deal_id, stage, ts(at))
        history.append(row)
        if random_() < 0.004:
            history.append(row)  # exact duplicate load
    return duplicated
