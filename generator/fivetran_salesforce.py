"""The CRM data in a third shape: the tables Fivetran's Salesforce connector lands.

Usage::

    python -m generator.fivetran_salesforce --contract-dir data/demo --out data/demo
        [--format csv|parquet] [--quiet]

or, in one run with the contract files, ``python -m generator.raw_data ... --shapes
contract,fivetran_salesforce``. Reads the raw contract's ``<contract-dir>/crm/*``, CSV or
Parquet, and writes::

    <out>/salesforce/{user,account,lead,lead_history,contact,opportunity,
                      opportunity_history,lead_status}.csv

(``.parquet`` with ``--format parquet``, which defaults to the contract's format: every column
text, empty values null). CSV: header line, RFC 4180 quoting, ``\\n`` endings, empty = null.

Every contract CRM row is converted, the deliberately broken ones and the duplicate loads
included, in input order: owners -> user (``department`` the contract's team), companies ->
account (``website`` ``https://www.<domain>``), contacts -> lead (one per row, id ``00Q`` +
contact id), deals -> opportunity, deal_stage_history -> opportunity_history (id ``008`` + a
running 12-digit number). Derived: contact, lead_history, lead_status (the six lead statuses)
and the restating opportunity_history rows (below).

Values are what a Fivetran destination holds: timestamps ``YYYY-MM-DD HH:MM:SS`` in UTC (the
contract's ``T``, ``Z``, UTC offsets and bare dates normalised), dates ``YYYY-MM-DD`` (a
converted lead's converted_date, an opportunity's close_date: the UTC date of the contract's
timestamp), booleans ``true``/``false``, currencies upper-case. A value that does not parse (a
deliberately broken row) is written as it is, and so is an unknown lifecycle stage (as the
lead status), pipeline (as the opportunity type) or deal stage (as the stage name).

- Conversion: a contact is converted when its winning load (the latest ``updated_at``, the
  last in the file among equals: the load the warehouse keeps) has a became_opportunity_at and
  a company. Each of its loads with a became_opportunity_at is a converted lead (converted
  date, account and contact; no opportunity) and one ``contact`` row (id the contact id,
  created at the conversion). Every lead and contact row carries the contract row's five stage
  dates as ``became_<stage>_date_c``.
- Lead status from the row's lifecycle stage (LEAD_STATUS_OF_STAGE; opportunity, customer and
  evangelist are ``Closed - Converted`` with a became_opportunity_at, else ``Sales
  Qualified``). Lead source: the contract's channel as the warehouse reads it, as the
  Salesforce picklist label of LEAD_SOURCES; ``unknown`` is ``Other`` or no source, about
  half each (a SHA-256 bit of the contact id); about 10 % of the contacts have their label
  upper- or lower-cased.
- lead_history (id ``017`` + a running 12-digit number), from the winning load of each contact
  with an id, in time order: a ``Status`` row per stage date that parses (Marketing
  Qualified, Sales Qualified, and Closed - Converted at the conversion of a converted lead),
  ``old_value`` the previous status from ``Open - Not Contacted``, and with the conversion a
  ``leadConverted`` row (``false`` -> ``true``), except on about 5 % of the converted leads
  (``lacks_converted_row``). Rows before the lead's creation are written as they are.
- opportunity, in Fivetran's history mode: a deal's loads form one chain in version order
  (parseable ``updated_at`` ascending, unparseable first, file order among equals); each
  version starts at its ``_fivetran_synced`` and ends where the next starts (the last, the
  winning load, ``9999-12-31 23:59:59`` and alone ``_fivetran_active``). ``close_date``: the
  date of closed_at for a closed deal, of created_at + 30 days for an open one.
- opportunity_history: one row per stage entry (stage_name the Salesforce stage, amount and
  close_date the deal's winning load's). About 20 % of the deals with two or more entries
  (``restates``) get one more row right after their earliest entry with a known stage that a
  later entry follows by two seconds or more: the same stage, halfway to that next entry, the
  amount 10 % higher; a restatement, no stage change.
- ``_fivetran_synced``: the row's event time (updated_at, else created_at; entered_at for a
  stage entry; the contract's first day when it has none) plus five minutes; a later load of a
  lead, account or user is strictly later (at least a minute after the previous one in the
  file), an opportunity's versions likewise in version order, a deal's stage entries at least
  a second apart in file order. A contact row and the lead_history rows share their lead row's.

Broken rows of the Salesforce shape only (SALESFORCE_BAD_ROWS), added at the end of their
tables and hanging on the first deal of a known pipeline and stage whose company is a live
one (5000001 in the demo), a day after its latest stage entry:

- opportunity_history: an entry of the opportunity ``5999906``, which does not exist
- opportunity_history: an entry of the anchor deal with the stage ``Negotiation (legacy)``
- account ``999907``, deleted, and its live opportunity ``5999907``

Deterministic and streaming: each contract table is read once or twice, row by row; only maps
per id (a contact's winning load, a company's name, a deal's versions and winning amount, its
stage entry dates) stay in memory, never a whole table.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

from generator.fivetran_hubspot import (
    ENTRY_STEP,
    PIPELINES,
    Anchor,
    channel,
    contract_format,
    expected_close,
    key,
    known_deal,
    load_event,
    version_rank,
)
from generator.fivetran_stripe import (
    DAY,
    FAR_FUTURE,
    NO_DATE,
    RELOAD_STEP,
    SYNC_LAG,
    ConnectorSink,
    bool_text,
    boolean,
    column_names,
    format_seconds,
    normalise_ts,
    parse_converter_args,
    parse_ts,
    print_counts,
    read_rows,
    reload_synced,
    sha256_digest,
)

__all__ = [
    "LEAD_SOURCES",
    "LEAD_STATUSES",
    "SALESFORCE_BAD_ROWS",
    "SALESFORCE_COLUMNS",
    "STAGE_NAMES",
    "convert",
    "lacks_converted_row",
    "main",
    "restates",
]

Row = dict[str, str]

# The contract's stage date columns -> the custom fields of lead and contact, in funnel order.
STAGE_FIELDS: tuple[tuple[str, str], ...] = (
    ("became_lead_at", "became_lead_date_c"),
    ("became_mql_at", "became_mql_date_c"),
    ("became_sql_at", "became_sql_date_c"),
    ("became_opportunity_at", "became_opportunity_date_c"),
    ("became_customer_at", "became_customer_date_c"),
)
_STAGE_FIELDS = " ".join(name for _, name in STAGE_FIELDS)
_RECORD = "created_date last_modified_date is_deleted _fivetran_deleted _fivetran_synced"

# Table -> columns, in order (the spec the dbt models of the Salesforce source read).
SALESFORCE_COLUMNS: dict[str, tuple[str, ...]] = {
    "user": column_names(
        "id email first_name last_name department is_active _fivetran_deleted _fivetran_synced"
    ),
    "account": column_names(
        f"""id name website industry billing_country number_of_employees owner_id {_RECORD}"""
    ),
    "lead": column_names(
        f"""id first_name last_name email company status lead_source owner_id
        matched_account_id_c is_converted converted_date converted_account_id
        converted_contact_id converted_opportunity_id {_STAGE_FIELDS} {_RECORD}"""
    ),
    "lead_history": column_names(
        "id lead_id field old_value new_value created_date is_deleted _fivetran_synced"
    ),
    "contact": column_names(
        f"""id account_id first_name last_name email lead_source owner_id {_STAGE_FIELDS}
        {_RECORD}"""
    ),
    "opportunity": column_names(
        """id account_id owner_id name type stage_name is_closed is_won amount
        currency_iso_code created_date close_date last_modified_date is_deleted
        _fivetran_start _fivetran_end _fivetran_active _fivetran_synced"""
    ),
    "opportunity_history": column_names(
        """id opportunity_id stage_name amount close_date created_date is_deleted
        _fivetran_synced"""
    ),
    "lead_status": column_names("id master_label is_converted sort_order _fivetran_synced"),
}

# Salesforce id prefixes (key prefixes of the objects) and the running numbers' width.
LEAD_PREFIX = "00Q"
LEAD_HISTORY_PREFIX = "017"
OPPORTUNITY_HISTORY_PREFIX = "008"
LEAD_STATUS_PREFIX = "01J"
ID_DIGITS = 12

# Lead statuses, in their sort order (lead_status).
SUBSCRIBER = "Subscriber"
OPEN = "Open - Not Contacted"
MQL = "Marketing Qualified"
SQL = "Sales Qualified"
CONVERTED = "Closed - Converted"
NOT_CONVERTED = "Closed - Not Converted"
LEAD_STATUSES: tuple[str, ...] = (SUBSCRIBER, OPEN, MQL, SQL, CONVERTED, NOT_CONVERTED)
LEAD_STATUS_OF_STAGE: dict[str, str] = {
    "subscriber": SUBSCRIBER,
    "lead": OPEN,
    "marketingqualifiedlead": MQL,
    "salesqualifiedlead": SQL,
    "other": NOT_CONVERTED,
}
CONVERTING_STAGES = frozenset(("opportunity", "customer", "evangelist"))

# The warehouse's channels (seeds/channels.csv) -> the Salesforce lead source picklist label
# (the default rows of the dbt side's seed salesforce_lead_sources).
LEAD_SOURCES: dict[str, str] = {
    "organic_search": "Organic Search",
    "paid_search": "Paid Search",
    "paid_social": "Paid Social",
    "referral": "Customer Referral",
    "partner": "Partner Referral",
    "events": "Trade Show",
    "outbound": "Outbound Prospecting",
    "direct": "Website Direct",
}
UNKNOWN_LEAD_SOURCES = ("Other", "")  # by a SHA-256 bit of the contact id
NOT_PROVIDED = "[not provided]"  # a lead's company when the contract names none
CASE_PERCENT = 10  # contacts whose lead source label is upper- or lower-cased

# Contract deal stage -> Salesforce opportunity stage.
STAGE_NAMES: dict[str, str] = {
    "appointmentscheduled": "Prospecting",
    "qualifiedtobuy": "Qualification",
    "presentationscheduled": "Proposal/Price Quote",
    "decisionmakerboughtin": "Id. Decision Makers",
    "contractsent": "Negotiation/Review",
    "closedwon": "Closed Won",
    "closedlost": "Closed Lost",
}
WON, LOST = "closedwon", "closedlost"

NO_CONVERTED_ROW_PERCENT = 5  # converted leads whose history has no leadConverted row
RESTATE_PERCENT = 20  # deals with two or more stage entries that get a restating row
RESTATE_FACTOR = Decimal("1.1")  # the restating row's amount: 10 % higher
RESTATE_MIN_GAP = 2  # seconds between an entry and the next for a row halfway

BAD_HISTORY_DEAL = "5999906"
BAD_STAGE_NAME = "Negotiation (legacy)"
BAD_ACCOUNT = "999907"
BAD_ACCOUNT_DEAL = "5999907"

# (table, id shown in the report, quarantine reason): the rows of the Salesforce shape only.
SALESFORCE_BAD_ROWS: tuple[tuple[str, str, str], ...] = (
    ("salesforce/opportunity_history", BAD_HISTORY_DEAL, f"orphan deal_id ({BAD_HISTORY_DEAL})"),
    ("salesforce/opportunity_history", BAD_STAGE_NAME, f"unknown deal_stage ({BAD_STAGE_NAME})"),
    ("salesforce/opportunity", BAD_ACCOUNT_DEAL, f"company deleted ({BAD_ACCOUNT})"),
)


# --------------------------------------------------------------------------- values


def salesforce_id(prefix: str, number: int) -> str:
    return f"{prefix}{number:0{ID_DIGITS}d}"


def lead_id(contact_id: str) -> str:
    return f"{LEAD_PREFIX}{contact_id}" if contact_id else ""


def instant(text: str) -> int | None:
    """Seconds of a contract timestamp, None when empty or unparseable."""
    return parse_ts(text) if text.strip() else None


def date_part(text: str) -> str:
    """The UTC date of a timestamp; empty stays empty, anything unparseable as it is."""
    value = instant(text)
    return normalise_ts(text) if value is None else format_seconds(value)[:10]


def vary_case(label: str, digest: bytes) -> str:
    """The label, upper- or lower-cased for about CASE_PERCENT % of the digests."""
    bucket = int.from_bytes(digest[9:11], "big") % 100
    if bucket >= CASE_PERCENT:
        return label
    return label.upper() if bucket % 2 else label.lower()


def lead_source(contact_id: str, contract_source: str) -> str:
    digest = sha256_digest(contact_id)
    label = LEAD_SOURCES.get(channel(contract_source))
    if label is None:
        label = UNKNOWN_LEAD_SOURCES[digest[8] & 1]
    return vary_case(label, digest)


def lead_status(lifecycle_stage: str, opportunity_at: str) -> str:
    """The lead status of a contract row; an unknown lifecycle stage as written."""
    stage = key(lifecycle_stage)
    if stage in CONVERTING_STAGES:
        return CONVERTED if opportunity_at.strip() else SQL
    return LEAD_STATUS_OF_STAGE.get(stage, lifecycle_stage)


def lacks_converted_row(contact_id: str) -> bool:
    """Whether a converted lead's history has no leadConverted row (about 5 %: the warehouse
    falls back to its converted_date)."""
    bucket = int.from_bytes(sha256_digest(contact_id)[12:16], "big") % 100
    return bucket < NO_CONVERTED_ROW_PERCENT


def restates(deal_id: str) -> bool:
    """Whether a deal with two or more stage entries gets a restating row (about 20 %)."""
    return int.from_bytes(sha256_digest(deal_id)[:8], "big") % 100 < RESTATE_PERCENT


def opportunity_type(pipeline: str) -> str:
    known = PIPELINES.get(key(pipeline))
    return pipeline if known is None else known[1]


def stage_name(deal_stage: str) -> str:
    return STAGE_NAMES.get(key(deal_stage), deal_stage)


def close_date(row: Row) -> str:
    """The date of closed_at for a closed deal, of the expected close for an open one."""
    return date_part(expected_close(row, key(row.get("deal_stage", ""))))


def raised_amount(amount: str) -> str:
    """The amount 10 % higher, to the same decimal places; empty stays empty, anything
    unparseable as it is."""
    try:
        value = Decimal(amount.strip())
    except InvalidOperation:
        return amount if amount.strip() else ""
    if not value.is_finite():
        return amount
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)  # a finite value's
    places = Decimal(1).scaleb(min(exponent, 0))
    return str((value * RESTATE_FACTOR).quantize(places, rounding=ROUND_HALF_UP))


def status_history(
    row: Row, converted: bool, converted_row: bool
) -> list[tuple[int, str, str, str]]:
    """(instant, field, old value, new value) of a winning load's lead history, in time order."""
    marks: list[tuple[int, int, str]] = []
    columns = [("became_mql_at", MQL), ("became_sql_at", SQL)]
    if converted:
        columns.append(("became_opportunity_at", CONVERTED))
    for order, (column, status) in enumerate(columns):
        at = instant(row.get(column, ""))
        if at is not None:
            marks.append((at, order, status))
    history: list[tuple[int, str, str, str]] = []
    previous = OPEN
    for at, _, status in sorted(marks):
        history.append((at, "Status", previous, status))
        previous = status
        if status == CONVERTED and converted_row:
            history.append((at, "leadConverted", "false", "true"))
    return history


# --------------------------------------------------------------------------- state


@dataclass(slots=True)
class Company:
    """A company id's latest load: its name and whether it is live."""

    rank: tuple[bool, int]
    name: str
    live: bool


@dataclass(slots=True)
class Deal:
    """One deal id: the rank and event of each load (file order), its winning load's amount
    and close date, and the history-mode chain of its versions once computed."""

    ranks: list[tuple[bool, int]] = field(default_factory=list)
    events: list[int | None] = field(default_factory=list)
    rank: tuple[bool, int] = (False, 0)
    amount: str = ""
    close_date: str = ""
    starts: list[int] | None = None
    ends: list[int | None] = field(default_factory=list)
    active: int = -1
    written: int = 0

    def chain(self, epoch: int) -> None:
        """Each version's synced time (its start) in version order, strictly increasing; its
        end the next version's start; the last version active."""
        order = sorted(range(len(self.ranks)), key=lambda index: (self.ranks[index], index))
        starts = [0] * len(order)
        previous: int | None = None
        for index in order:
            event = self.events[index]
            synced = (epoch if event is None else event) + SYNC_LAG
            if previous is not None:
                synced = max(synced, previous + RELOAD_STEP)
            starts[index] = previous = synced
        self.ends = [None] * len(order)
        for index, following in zip(order, order[1:]):
            self.ends[index] = starts[following]
        self.active = order[-1]
        self.starts = starts


@dataclass(slots=True)
class Entries:
    """One deal id's stage entries: their dates and whether their stage is known (file order),
    the entry restated after (-1: none) and when, how many are written, the last synced."""

    dates: list[int | None] = field(default_factory=list)
    known: list[bool] = field(default_factory=list)
    restate: int = -1
    restate_at: int = 0
    written: int = 0
    synced: int | None = None

    def choose_restatement(self) -> None:
        """The earliest entry with a known stage followed, in time, by the next at least
        RESTATE_MIN_GAP seconds later: restated halfway to it."""
        order = sorted((date, index) for index, date in enumerate(self.dates) if date is not None)
        for (date, index), (following, _) in zip(order, order[1:]):
            if self.known[index] and following - date >= RESTATE_MIN_GAP:
                self.restate, self.restate_at = index, date + (following - date) // 2
                return


@dataclass
class Tally:
    converted: int = 0  # distinct converted contacts
    without_converted_row: int = 0
    restated: int = 0


# --------------------------------------------------------------------------- the converter


class Converter:
    """Converts one contract directory. `run` reads companies, contacts, deals and
    deal_stage_history twice and owners once, and writes every Salesforce table in input
    order."""

    def __init__(self, contract_dir: Path, sink: ConnectorSink, file_format: str) -> None:
        self.contract_dir = contract_dir
        self.sink = sink
        self.file_format = file_format
        self.epoch = NO_DATE
        self.companies: dict[str, Company] = {}
        self.winners: dict[str, int] = {}  # contact -> row number of its winning load
        self.converted: set[str] = set()
        self.deals: dict[str, Deal] = {}
        self.entries: dict[str, Entries] = {}
        self.numbers: dict[str, int] = {}  # id prefix -> last running number
        self.tally = Tally()

    def rows(self, table: str) -> Iterator[Row]:
        return read_rows(self.contract_dir, table, self.file_format)

    def run(self) -> None:
        self.scan_companies()
        self.scan_contacts()
        self.write_users()
        self.write_accounts()
        self.write_leads()
        self.scan_entries()
        anchor = self.scan_deals()
        self.write_opportunities()
        self.write_bad_opportunity(anchor)
        self.write_bad_account(anchor)
        self.choose_restatements()
        self.write_entries(anchor)
        self.write_lead_statuses()

    def synced_at(self, event: int | None) -> int:
        return (self.epoch if event is None else event) + SYNC_LAG

    def next_id(self, prefix: str) -> str:
        number = self.numbers.get(prefix, 0) + 1
        self.numbers[prefix] = number
        return salesforce_id(prefix, number)

    # ------------------------------------------------------------------ users, accounts

    def write_users(self) -> None:
        synced_by_owner: dict[str, int] = {}
        for row in self.rows("crm/owners"):
            owner = row.get("owner_id", "")
            synced = reload_synced(synced_by_owner, owner, self.synced_at(None))
            self.sink.add(
                "user",
                (
                    owner,
                    row.get("email", ""),
                    row.get("first_name", ""),
                    row.get("last_name", ""),
                    row.get("team", ""),
                    boolean(row.get("is_active", "")),
                    "false",
                    format_seconds(synced),
                ),
            )

    def scan_companies(self) -> None:
        """Each company id's latest load: its name (a lead's company) and liveness."""
        for row in self.rows("crm/companies"):
            company = row.get("company_id", "")
            rank = version_rank(row.get("updated_at", ""))
            state = self.companies.get(company)
            if state is None or rank >= state.rank:
                live = boolean(row.get("is_deleted", ""), "false") == "false"
                self.companies[company] = Company(rank, row.get("name", ""), live)

    def company_name(self, company_id: str) -> str:
        state = self.companies.get(company_id) if company_id.strip() else None
        if state is None or not state.name.strip():
            return NOT_PROVIDED
        return state.name

    def write_accounts(self) -> None:
        synced_by_company: dict[str, int] = {}
        for row in self.rows("crm/companies"):
            company = row.get("company_id", "")
            synced = reload_synced(synced_by_company, company, self.synced_at(load_event(row)))
            domain = row.get("domain", "").strip()
            self.sink.add(
                "account",
                (
                    company,
                    row.get("name", ""),
                    f"https://www.{domain}" if domain else "",
                    row.get("industry", ""),
                    row.get("country", ""),
                    row.get("employee_count", ""),
                    row.get("owner_id", ""),
                    normalise_ts(row.get("created_at", "")),
                    normalise_ts(row.get("updated_at", "")),
                    boolean(row.get("is_deleted", ""), "false"),
                    "false",
                    format_seconds(synced),
                ),
            )

    def write_bad_account(self, anchor: Anchor) -> None:
        """The deleted account of the broken opportunity BAD_ACCOUNT_DEAL."""
        at = format_seconds(anchor.at)
        synced = format_seconds(anchor.at + SYNC_LAG)
        values = (BAD_ACCOUNT, "Dissolved Holdings Ltd", "", "", "", "", anchor.owner)
        self.sink.add("account", (*values, at, at, "true", "false", synced))

    # ------------------------------------------------------------------ leads, contacts

    def scan_contacts(self) -> None:
        """The contract's first day (the synced time of rows without a date), and each
        contact's winning load and whether it converted."""
        earliest: int | None = None
        ranks: dict[str, tuple[bool, int]] = {}
        for number, row in enumerate(self.rows("crm/contacts")):
            contact = row.get("contact_id", "")
            created = instant(row.get("created_at", ""))
            if created is not None and (earliest is None or created < earliest):
                earliest = created
            rank = version_rank(row.get("updated_at", ""))
            if contact in ranks and rank < ranks[contact]:
                continue
            ranks[contact] = rank
            self.winners[contact] = number
            if row.get("became_opportunity_at", "").strip() and row.get("company_id", "").strip():
                self.converted.add(contact)
            else:
                self.converted.discard(contact)
        if earliest is not None:
            self.epoch = earliest // DAY * DAY
        self.tally.converted = len(self.converted)

    def write_leads(self) -> None:
        synced_by_contact: dict[str, int] = {}
        for number, row in enumerate(self.rows("crm/contacts")):
            contact = row.get("contact_id", "")
            synced = reload_synced(synced_by_contact, contact, self.synced_at(load_event(row)))
            converted = contact in self.converted
            lead_converted = converted and bool(row.get("became_opportunity_at", "").strip())
            self.write_lead(row, synced, converted=lead_converted)
            if lead_converted:
                self.write_contact(row, synced)
            if contact.strip() and self.winners.get(contact) == number:
                self.write_lead_history(row, synced, converted)
        self.winners.clear()

    def write_lead(self, row: Row, synced: int, *, converted: bool) -> None:
        contact = row.get("contact_id", "")
        company = row.get("company_id", "")
        opportunity_at = row.get("became_opportunity_at", "")
        conversion = (
            (date_part(opportunity_at), company, contact, "") if converted else ("", "", "", "")
        )
        self.sink.add(
            "lead",
            (
                lead_id(contact),
                row.get("first_name", ""),
                row.get("last_name", ""),
                row.get("email", ""),
                self.company_name(company),
                lead_status(row.get("lifecycle_stage", ""), opportunity_at),
                lead_source(contact, row.get("lead_source", "")),
                row.get("owner_id", ""),
                company,
                bool_text(converted),
                *conversion,
                *stage_dates(row),
                normalise_ts(row.get("created_at", "")),
                normalise_ts(row.get("updated_at", "")),
                boolean(row.get("is_deleted", ""), "false"),
                "false",
                format_seconds(synced),
            ),
        )

    def write_contact(self, row: Row, synced: int) -> None:
        """The contact a converted lead row became (created at the conversion)."""
        contact = row.get("contact_id", "")
        self.sink.add(
            "contact",
            (
                contact,
                row.get("company_id", ""),
                row.get("first_name", ""),
                row.get("last_name", ""),
                row.get("email", ""),
                lead_source(contact, row.get("lead_source", "")),
                row.get("owner_id", ""),
                *stage_dates(row),
                normalise_ts(row.get("became_opportunity_at", "")),
                normalise_ts(row.get("updated_at", "")),
                boolean(row.get("is_deleted", ""), "false"),
                "false",
                format_seconds(synced),
            ),
        )

    def write_lead_history(self, row: Row, synced: int, converted: bool) -> None:
        contact = row.get("contact_id", "")
        converted_row = not lacks_converted_row(contact)
        if converted and not converted_row:
            self.tally.without_converted_row += 1
        for at, name, old, new in status_history(row, converted, converted_row):
            self.sink.add(
                "lead_history",
                (
                    self.next_id(LEAD_HISTORY_PREFIX),
                    lead_id(contact),
                    name,
                    old,
                    new,
                    format_seconds(at),
                    "false",
                    format_seconds(synced),
                ),
            )

    # ------------------------------------------------------------------ opportunities

    def scan_deals(self) -> Anchor:
        """Each deal's loads (rank, event) and winning amount and close date, and the anchor
        of the broken rows: the first deal of a known pipeline and stage with a live company,
        a day after its latest stage entry."""
        anchor: Anchor | None = None
        for row in self.rows("crm/deals"):
            deal = row.get("deal_id", "")
            if deal in (BAD_HISTORY_DEAL, BAD_ACCOUNT_DEAL):
                raise ValueError(f"the contract has deal {deal}, a broken row of the shape")
            state = self.deals.setdefault(deal, Deal())
            rank = version_rank(row.get("updated_at", ""))
            state.ranks.append(rank)
            state.events.append(load_event(row))
            if len(state.ranks) == 1 or rank >= state.rank:  # the winning load so far
                state.rank, state.amount = rank, row.get("amount", "")
                state.close_date = close_date(row)
            if anchor is None and self.anchors(row):
                anchor = self.anchor(row)
        if anchor is None:
            raise ValueError("no deal of a known pipeline and stage to hang the broken rows on")
        if BAD_ACCOUNT in self.companies:
            raise ValueError(f"the contract has company {BAD_ACCOUNT}, a broken row of the shape")
        return anchor

    def anchors(self, row: Row) -> bool:
        company = self.companies.get(row.get("company_id", ""))
        return known_deal(row) and company is not None and company.live

    def anchor(self, row: Row) -> Anchor:
        entries = self.entries.get(row.get("deal_id", ""))
        dates = [date for date in (entries.dates if entries else []) if date is not None]
        latest = max(dates) if dates else load_event(row)
        at = (self.epoch if latest is None else latest) + DAY
        return Anchor(
            row.get("deal_id", ""), row.get("company_id", ""), row.get("owner_id", ""), at
        )

    def write_opportunities(self) -> None:
        for row in self.rows("crm/deals"):
            state = self.deals[row.get("deal_id", "")]
            if state.starts is None:
                state.chain(self.epoch)
            assert state.starts is not None
            index = state.written
            state.written += 1
            end = state.ends[index]
            self.add_opportunity(
                row,
                state.starts[index],
                FAR_FUTURE if end is None else format_seconds(end),
                active=index == state.active,
            )
            if state.written == len(state.ranks):  # the chain is no longer needed
                state.starts, state.ends, state.ranks, state.events = [], [], [], []

    def add_opportunity(self, row: Row, start: int, end: str, *, active: bool) -> None:
        stage = key(row.get("deal_stage", ""))
        self.sink.add(
            "opportunity",
            (
                row.get("deal_id", ""),
                row.get("company_id", ""),
                row.get("owner_id", ""),
                row.get("deal_name", ""),
                opportunity_type(row.get("pipeline", "")),
                stage_name(row.get("deal_stage", "")),
                bool_text(stage in (WON, LOST)),
                bool_text(stage == WON),
                row.get("amount", ""),
                row.get("currency", "").strip().upper(),
                normalise_ts(row.get("created_at", "")),
                close_date(row),
                normalise_ts(row.get("updated_at", "")),
                boolean(row.get("is_deleted", ""), "false"),
                format_seconds(start),
                end,
                bool_text(active),
                format_seconds(start),
            ),
        )

    def write_bad_opportunity(self, anchor: Anchor) -> None:
        at = format_seconds(anchor.at)
        row = {
            "deal_id": BAD_ACCOUNT_DEAL,
            "company_id": BAD_ACCOUNT,
            "owner_id": anchor.owner,
            "deal_name": "Dissolved Holdings Ltd - New Business",
            "pipeline": "new_business",
            "deal_stage": "appointmentscheduled",
            "amount": "",
            "currency": "USD",
            "created_at": at,
            "closed_at": "",
            "is_deleted": "false",
            "updated_at": at,
        }
        self.add_opportunity(row, anchor.at + SYNC_LAG, FAR_FUTURE, active=True)

    # ------------------------------------------------------------------ stage entries

    def scan_entries(self) -> None:
        """Every deal's stage entry dates and known stages, in file order; the entry each
        chosen deal restates."""
        for row in self.rows("crm/deal_stage_history"):
            deal = row.get("deal_id", "")
            if deal == BAD_HISTORY_DEAL:
                raise ValueError(f"the contract has a stage entry of {deal}, a broken row's deal")
            entries = self.entries.setdefault(deal, Entries())
            entries.dates.append(instant(row.get("entered_at", "")))
            entries.known.append(key(row.get("deal_stage", "")) in STAGE_NAMES)

    def choose_restatements(self) -> None:
        for deal, entries in self.entries.items():
            if deal.strip() and deal in self.deals and len(entries.dates) >= 2 and restates(deal):
                entries.choose_restatement()

    def write_entries(self, anchor: Anchor) -> None:
        bad = (
            {"deal_id": BAD_HISTORY_DEAL, "deal_stage": "appointmentscheduled"},
            {"deal_id": anchor.deal, "deal_stage": BAD_STAGE_NAME},
        )
        for row in bad:
            entries = self.entries.setdefault(row["deal_id"], Entries())
            entries.dates.append(anchor.at)
            entries.known.append(False)
        for row in self.rows("crm/deal_stage_history"):
            self.write_entry(row)
        at = format_seconds(anchor.at)
        for row in bad:
            self.write_entry({**row, "entered_at": at})

    def entry_synced(self, entries: Entries, date: int | None) -> str:
        synced = self.synced_at(date)
        if entries.synced is not None:
            synced = max(synced, entries.synced + ENTRY_STEP)
        entries.synced = synced
        return format_seconds(synced)

    def write_entry(self, row: Row) -> None:
        deal = row.get("deal_id", "")
        entries = self.entries[deal]
        index = entries.written
        entries.written += 1
        state = self.deals.get(deal)
        amount, closes = (state.amount, state.close_date) if state is not None else ("", "")
        stage = stage_name(row.get("deal_stage", ""))
        entered = normalise_ts(row.get("entered_at", ""))
        synced = self.entry_synced(entries, entries.dates[index])
        values = (deal, stage, amount, closes, entered, "false", synced)
        self.sink.add("opportunity_history", (self.next_id(OPPORTUNITY_HISTORY_PREFIX), *values))
        if index == entries.restate:
            at = entries.restate_at
            synced = self.entry_synced(entries, at)
            values = (
                deal,
                stage,
                raised_amount(amount),
                closes,
                format_seconds(at),
                "false",
                synced,
            )
            self.sink.add(
                "opportunity_history", (self.next_id(OPPORTUNITY_HISTORY_PREFIX), *values)
            )
            self.tally.restated += 1
        if entries.written == len(entries.dates):
            del self.entries[deal]

    # ------------------------------------------------------------------ lead statuses

    def write_lead_statuses(self) -> None:
        synced = format_seconds(self.synced_at(None))
        for order, status in enumerate(LEAD_STATUSES, start=1):
            self.sink.add(
                "lead_status",
                (
                    salesforce_id(LEAD_STATUS_PREFIX, order),
                    status,
                    bool_text(status == CONVERTED),
                    str(order),
                    synced,
                ),
            )


def stage_dates(row: Row) -> tuple[str, ...]:
    """The five became_<stage>_date_c of a contract contact row."""
    return tuple(normalise_ts(row.get(column, "")) for column, _ in STAGE_FIELDS)


# --------------------------------------------------------------------------- entry points


@dataclass
class SalesforceResult:
    counts: dict[str, int]
    converted: int  # distinct converted contacts
    without_converted_row: int  # of them, no leadConverted row
    restated: int  # restating opportunity_history rows
    seconds: float

    def summary(self) -> str:
        return (
            f"{self.converted} converted leads ({self.without_converted_row} without a "
            f"leadConverted row), {self.restated} restating opportunity_history rows"
        )


def convert(contract_dir: Path, out: Path, file_format: str | None = None) -> SalesforceResult:
    """Writes <out>/salesforce/ from the contract files under contract_dir; file_format
    defaults to the contract's (csv or parquet)."""
    began = time.perf_counter()
    source_format = contract_format(contract_dir)
    sink = ConnectorSink(out, "salesforce", SALESFORCE_COLUMNS, file_format or source_format)
    converter = Converter(contract_dir, sink, source_format)
    try:
        converter.run()
    finally:
        counts = sink.close()
    tally = converter.tally
    return SalesforceResult(
        counts,
        tally.converted,
        tally.without_converted_row,
        tally.restated,
        time.perf_counter() - began,
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    return parse_converter_args(__doc__.split("\n\n")[0], argv)


def report(result: SalesforceResult, out: Path) -> None:
    print_counts(result.counts)
    print(result.summary())
    print(f"converted in {result.seconds:.1f} s into {out / 'salesforce'}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    result = convert(args.contract_dir, args.out, args.file_format)
    if not args.quiet:
        report(result, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
