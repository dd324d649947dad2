"""The CRM data in a second shape: the tables Fivetran's HubSpot connector lands.

Usage::

    python -m generator.fivetran_hubspot --contract-dir data/demo --out data/demo
        [--format csv|parquet] [--quiet]

or, in one run with the contract files, ``python -m generator.raw_data ... --shapes
contract,fivetran_hubspot``. Reads the raw contract's ``<contract-dir>/crm/*``, CSV or Parquet,
and writes::

    <out>/hubspot/{contact,contact_property_history,company,owner,deal_pipeline,
                   deal_pipeline_stage,deal,deal_company,deal_stage}.csv

(``.parquet`` with ``--format parquet``, which defaults to the contract's format: every column
text, empty values null). CSV: header line, RFC 4180 quoting, ``\\n`` endings, empty = null.

Every contract CRM row is converted, the deliberately broken ones and the duplicate loads
included; each contract row of a table gives exactly one row of its HubSpot table, in input
order: contacts -> contact, companies -> company, deals -> deal, deal_stage_history ->
deal_stage, owners -> owner (the contract's ``team`` is not written). Derived tables:
deal_pipeline and deal_pipeline_stage (the three contract pipelines: ``default`` New Business,
``75000001`` Expansion, ``75000002`` Renewal; the default pipeline's stage ids are the contract
stage names, the others' ``<pipeline id>01`` .. ``07``; ``closed_won`` true on both closed
stages, as HubSpot's deprecated flag means "closed"), deal_company (one row per distinct
(deal, company), type_id 5, the primary association), contact_property_history (below).

Values are what a Fivetran destination holds: timestamps ``YYYY-MM-DD HH:MM:SS`` in UTC (the
contract's ``T``, ``Z``, UTC offsets and bare dates normalised), booleans ``true``/``false``,
deal currencies upper-case, lifecycle stages lower-case. A value that does not parse (a
deliberately broken row) is written as it is; an unknown pipeline or stage is written through
as the deal's pipeline / stage id.

- Stage dates of a contact (became_lead_at .. became_customer_at) sit in one of three places,
  by a SHA-256 of the contact id (so every load of a contact keeps its group): about 5 % of the
  contacts (``history``, never the empty id) keep every stage date property empty and have one
  ``contact_property_history`` row (name ``lifecyclestage``, value the HubSpot stage name,
  timestamp the date, source ``CRM_UI``) per non-empty stage date of their winning load (the
  latest ``updated_at``, the last in the file among equals: the load the warehouse keeps); the
  rest split about evenly between ``classic`` (``property_hs_lifecyclestage_<stage>_date``)
  and ``v2`` (``property_hs_v2_date_entered_<stage>``).
- Lead source: the contract's channel as the warehouse reads it (trimmed, lower-case, spaces
  and hyphens ``_``, ``unknown`` outside the channel list or when empty) as the pair
  (hs_analytics_source, hs_analytics_source_data_1) of CHANNEL_SOURCES; ``unknown`` is
  ``OTHER_CAMPAIGNS`` or no source at all, about half each (a SHA-256 bit of the contact id).
- property_closedate: closed_at for a closed deal; for an open one (stage neither closedwon nor
  closedlost) the expected close date, created_at + 30 days.
- property_hs_merged_object_ids: ``199903;199904`` on one live contact loaded once (the first in
  the file), empty everywhere else; no contact has those ids.
- deal_stage: ``value`` the stage id in the deal's pipeline (its winning load's); per deal the
  entries with a parseable date form a Fivetran history chain in date order (file order among
  equals): ``_fivetran_start`` the entry's date, ``_fivetran_end`` the next entry's
  (``9999-12-31 23:59:59`` for the latest, which alone is ``_fivetran_active``); an entry without
  a date keeps it as written, no end, not active.
- ``_fivetran_synced``: the row's event time (updated_at; date_entered for a stage entry; the
  contract's first day when it has none) plus five minutes; a later load of the same id is
  always strictly later (at least a minute after the previous load; a deal's stage entries one
  second after its previous one). A history row and a deal_company row share their contact's /
  deal's load.

Broken rows of the HubSpot shape only (HUBSPOT_BAD_ROWS), added at the end of their tables and
hanging on the first deal of a known pipeline and stage (5000001 in the demo), a day after its
latest stage entry:

- deal_stage: an entry of that deal with the stage id ``99999999``, in no pipeline
- deal_stage: an entry of the deal ``5999904``, which does not exist
- deal ``5999905`` in the pipeline ``75009999``, which does not exist (of the anchor's company)

Deterministic and streaming: each contract table is read once (contacts and
deal_stage_history twice), row by row; only maps per id (the synced time of the last load, the
winning load of a ``history`` contact, a deal's pipeline and company, a deal's stage dates) stay
in memory, never a whole table.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

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
    integer,
    normalise_ts,
    parse_converter_args,
    parse_ts,
    print_counts,
    read_rows,
    reload_synced,
    sha256_digest,
)

__all__ = [
    "CHANNEL_SOURCES",
    "ENTRY_STEP",
    "HUBSPOT_BAD_ROWS",
    "HUBSPOT_COLUMNS",
    "Anchor",
    "PIPELINES",
    "STAGE_DATES",
    "STAGES",
    "channel",
    "contact_group",
    "contract_format",
    "convert",
    "expected_close",
    "key",
    "known_deal",
    "load_event",
    "main",
    "version_rank",
]

Row = dict[str, str]


# The contract's stage date columns -> HubSpot's lifecycle stage names, in funnel order.
STAGE_DATES: tuple[tuple[str, str], ...] = (
    ("became_lead_at", "lead"),
    ("became_mql_at", "marketingqualifiedlead"),
    ("became_sql_at", "salesqualifiedlead"),
    ("became_opportunity_at", "opportunity"),
    ("became_customer_at", "customer"),
)
_CLASSIC = " ".join(f"property_hs_lifecyclestage_{stage}_date" for _, stage in STAGE_DATES)
_V2 = " ".join(f"property_hs_v2_date_entered_{stage}" for _, stage in STAGE_DATES)

# Table -> columns, in order (the spec the dbt models of the HubSpot source read).
HUBSPOT_COLUMNS: dict[str, tuple[str, ...]] = {
    "contact": column_names(
        f"""id property_email property_firstname property_lastname
        property_associatedcompanyid property_hubspot_owner_id property_hs_analytics_source
        property_hs_analytics_source_data_1 property_lifecyclestage property_createdate
        property_lastmodifieddate {_CLASSIC} {_V2} property_hs_merged_object_ids
        _fivetran_deleted _fivetran_synced"""
    ),
    "contact_property_history": column_names(
        "contact_id name value timestamp source _fivetran_synced"
    ),
    "company": column_names(
        """id property_name property_domain property_industry property_country
        property_numberofemployees property_hubspot_owner_id property_createdate
        property_hs_lastmodifieddate is_deleted _fivetran_deleted _fivetran_synced"""
    ),
    "owner": column_names("owner_id email first_name last_name is_active _fivetran_synced"),
    "deal_pipeline": column_names(
        "pipeline_id label active display_order _fivetran_deleted _fivetran_synced"
    ),
    "deal_pipeline_stage": column_names(
        """stage_id pipeline_id label probability is_closed closed_won display_order active
        _fivetran_deleted _fivetran_synced"""
    ),
    "deal": column_names(
        """deal_id deal_pipeline_id deal_pipeline_stage_id owner_id property_dealname
        property_amount property_deal_currency_code property_createdate property_closedate
        property_hs_lastmodifieddate is_deleted _fivetran_deleted _fivetran_synced"""
    ),
    "deal_company": column_names("deal_id company_id type_id _fivetran_synced"),
    "deal_stage": column_names(
        """deal_id value date_entered source _fivetran_start _fivetran_end _fivetran_active
        _fivetran_synced"""
    ),
}

# Contract pipeline -> (HubSpot pipeline id, label), in display order.
PIPELINES: dict[str, tuple[str, str]] = {
    "new_business": ("default", "New Business"),
    "expansion": ("75000001", "Expansion"),
    "renewal": ("75000002", "Renewal"),
}
# Contract stage -> (label, probability), in display order; the last two are closed.
STAGES: dict[str, tuple[str, str]] = {
    "appointmentscheduled": ("Appointment Scheduled", "0.2"),
    "qualifiedtobuy": ("Qualified To Buy", "0.4"),
    "presentationscheduled": ("Presentation Scheduled", "0.6"),
    "decisionmakerboughtin": ("Decision Maker Bought-In", "0.8"),
    "contractsent": ("Contract Sent", "0.9"),
    "closedwon": ("Closed Won", "1.0"),
    "closedlost": ("Closed Lost", "0.0"),
}
CLOSED_STAGES = ("closedwon", "closedlost")
DEFAULT_PIPELINE = "default"


def stage_id(pipeline_id: str, stage: str) -> str:
    """The HubSpot id of a contract stage in a pipeline: the default pipeline's are the stage
    names, the others' `<pipeline id><nn>`."""
    if pipeline_id == DEFAULT_PIPELINE:
        return stage
    return f"{pipeline_id}{list(STAGES).index(stage) + 1:02d}"


# (pipeline id, contract stage) -> stage id, for the pipelines above.
STAGE_IDS: dict[tuple[str, str], str] = {
    (pipeline_id, stage): stage_id(pipeline_id, stage)
    for pipeline_id, _ in PIPELINES.values()
    for stage in STAGES
}

# The warehouse's channels (seeds/channels.csv) -> (hs_analytics_source, ..._data_1).
CHANNEL_SOURCES: dict[str, tuple[str, str]] = {
    "organic_search": ("ORGANIC_SEARCH", ""),
    "paid_search": ("PAID_SEARCH", ""),
    "paid_social": ("PAID_SOCIAL", ""),
    "referral": ("REFERRALS", ""),
    "partner": ("REFERRALS", "partner"),
    "events": ("OFFLINE", "events"),
    "outbound": ("OFFLINE", "sales"),
    "direct": ("DIRECT_TRAFFIC", ""),
}
UNKNOWN_SOURCES = (("OTHER_CAMPAIGNS", ""), ("", ""))  # by a SHA-256 bit of the contact id

LIFECYCLE_STAGES = frozenset(
    (
        "subscriber",
        "lead",
        "marketingqualifiedlead",
        "salesqualifiedlead",
        "opportunity",
        "customer",
        "evangelist",
        "other",
    )
)

GROUPS = ("classic", "v2", "history")
HISTORY_PERCENT = 5
MERGED_IDS = ("199903", "199904")
HISTORY_SOURCE = "CRM_UI"
PRIMARY_ASSOCIATION = "5"  # HubSpot's association type id deal -> company (primary)
EXPECTED_CLOSE = 30 * DAY  # an open deal's expected close date: created_at + 30 days
ENTRY_STEP = 1  # a deal's stage entries: at least a second apart, in file order
MERGED_CANDIDATES = 64  # the merged contact is one of the first live contact rows

BAD_STAGE_ID = "99999999"
BAD_STAGE_DEAL = "5999904"
BAD_PIPELINE = "75009999"
BAD_PIPELINE_DEAL = "5999905"

# (table, id shown in the report, quarantine reason): the rows of the HubSpot shape only.
HUBSPOT_BAD_ROWS: tuple[tuple[str, str, str], ...] = (
    ("hubspot/deal_stage", BAD_STAGE_ID, f"unknown stage id ({BAD_STAGE_ID})"),
    ("hubspot/deal_stage", BAD_STAGE_DEAL, f"orphan deal_id ({BAD_STAGE_DEAL})"),
    ("hubspot/deal", BAD_PIPELINE_DEAL, f"unknown pipeline ({BAD_PIPELINE})"),
)


# --------------------------------------------------------------------------- values


def contact_group(contact_id: str) -> str:
    """Where a contact's stage dates are written: classic, v2 or history (never for the
    empty id: its rows would hang on no contact)."""
    digest = sha256_digest(contact_id)
    bucket = int.from_bytes(digest[:8], "big") % 100
    if bucket < HISTORY_PERCENT and contact_id.strip():
        return "history"
    return "classic" if bucket % 2 else "v2"


def channel(lead_source: str) -> str:
    """The warehouse's channel of a contract lead_source (reference funnel normalise_channel)."""
    value = lead_source.strip().lower().replace(" ", "_").replace("-", "_")
    return value if value in CHANNEL_SOURCES else "unknown"


def analytics_source(contact_id: str, lead_source: str) -> tuple[str, str]:
    pair = CHANNEL_SOURCES.get(channel(lead_source))
    if pair is not None:
        return pair
    return UNKNOWN_SOURCES[sha256_digest(contact_id)[8] & 1]


def lifecycle_stage(text: str) -> str:
    """A HubSpot lifecycle stage in lower case; anything else as written."""
    lower = text.strip().lower()
    return lower if lower in LIFECYCLE_STAGES else text


def key(text: str) -> str:
    return text.strip().lower()


def load_event(row: Row) -> int | None:
    """A load's event time: updated_at, else created_at."""
    for column in ("updated_at", "created_at"):
        value = parse_ts(row.get(column, "")) if row.get(column, "") else None
        if value is not None:
            return value
    return None


def expected_close(row: Row, stage: str) -> str:
    """closed_at of a closed deal (`stage`: the contract's, as `key` reads it); an open deal's
    expected close date (created + 30 days, empty when created_at does not parse)."""
    if stage in CLOSED_STAGES:
        return normalise_ts(row.get("closed_at", ""))
    created = parse_ts(row.get("created_at", "")) if row.get("created_at") else None
    return "" if created is None else format_seconds(created + EXPECTED_CLOSE)


def known_deal(row: Row) -> bool:
    """A deal load with an id and a company, in a known pipeline and stage (what the broken
    rows of a shape may hang on)."""
    return bool(
        row.get("deal_id", "").strip()
        and row.get("company_id", "").strip()
        and key(row.get("pipeline", "")) in PIPELINES
        and key(row.get("deal_stage", "")) in STAGES
    )


def version_rank(updated_at: str) -> tuple[bool, int]:
    """How the warehouse ranks loads of one id: the latest updated_at (nulls last), then the
    last in the file among equals (compare with >=)."""
    value = parse_ts(updated_at) if updated_at else None
    return (False, 0) if value is None else (True, value)


# --------------------------------------------------------------------------- reading


def contract_format(contract_dir: Path) -> str:
    """csv, or parquet when the contract has no CSV CRM files."""
    if (contract_dir / "crm" / "contacts.csv").exists():
        return "csv"
    if (contract_dir / "crm" / "contacts.parquet").exists():
        return "parquet"
    raise FileNotFoundError(f"no crm/contacts.csv or .parquet under {contract_dir}")


# --------------------------------------------------------------------------- writing


# --------------------------------------------------------------------------- state


@dataclass(slots=True)
class Deal:
    """One deal id: its winning load's pipeline id, the company of its first load, its loads'
    synced time."""

    pipeline: str
    rank: tuple[bool, int]
    company: str
    synced: int
    companies: set[str] | None = None  # further companies of later loads, if any


@dataclass(slots=True)
class Entries:
    """The stage entries of one deal id: their dates in file order (None: no parseable date),
    then, once the first is written, each entry's end and whether it is the active one."""

    dates: list[int | None] = field(default_factory=list)
    ends: list[int | None] | None = None
    active: int = -1
    written: int = 0
    synced: int | None = None

    def chain(self) -> None:
        """Ends in file order: the next entry's date in (date, file order); the last open."""
        order = sorted((date, index) for index, date in enumerate(self.dates) if date is not None)
        ends: list[int | None] = [None] * len(self.dates)
        for (_, index), (next_date, _) in zip(order, order[1:]):
            ends[index] = next_date
        if order:
            self.active = order[-1][1]
        self.ends = ends


@dataclass(frozen=True)
class Anchor:
    """The real deal the broken rows of a CRM shape hang on (HubSpot, Salesforce)."""

    deal: str
    company: str
    owner: str
    at: int


@dataclass
class Groups:
    """Contacts (distinct ids) per stage-date group, and history rows written."""

    contacts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(GROUPS, 0))
    history_rows: int = 0


# --------------------------------------------------------------------------- the converter


class Converter:
    """Converts one contract directory. `run` reads each contract table once (contacts and
    deal_stage_history twice), and writes every HubSpot table in input order."""

    def __init__(self, contract_dir: Path, sink: ConnectorSink, file_format: str) -> None:
        self.contract_dir = contract_dir
        self.sink = sink
        self.file_format = file_format
        self.epoch = NO_DATE
        self.winners: dict[str, int] = {}  # history contact -> row number of its winning load
        self.merged = ""
        self.deals: dict[str, Deal] = {}
        self.entries: dict[str, Entries] = {}
        self.groups = Groups()

    def rows(self, table: str) -> Iterator[Row]:
        return read_rows(self.contract_dir, table, self.file_format)

    def run(self) -> None:
        self.scan_contacts()
        self.write_owners()
        self.write_companies()
        self.write_contacts()
        self.write_pipelines()
        self.scan_entries()
        anchor = self.write_deals()
        self.write_bad_deal(anchor)
        self.write_entries(anchor)

    def synced_at(self, event: int | None) -> int:
        return (self.epoch if event is None else event) + SYNC_LAG

    def reload(self, last: dict[str, int], key: str, event: int | None) -> int:
        """The synced time of a load: its event + SYNC_LAG, strictly after the id's last load."""
        return reload_synced(last, key, self.synced_at(event))

    # ------------------------------------------------------------------ contacts

    def scan_contacts(self) -> None:
        """The contract's first day (the synced time of rows without a date), the winning load
        of every history contact and the contact that carries the merged ids."""
        earliest: int | None = None
        ranks: dict[str, tuple[bool, int]] = {}
        candidates: dict[str, bool] = {}  # id -> loaded once and live so far
        for number, row in enumerate(self.rows("crm/contacts")):
            contact = row.get("contact_id", "")
            if contact in MERGED_IDS:
                raise ValueError(f"the contract has contact {contact}, a merged id of the shape")
            created = parse_ts(row.get("created_at", "")) if row.get("created_at") else None
            if created is not None and (earliest is None or created < earliest):
                earliest = created
            if contact in candidates:
                candidates[contact] = False  # loaded again
            elif number < MERGED_CANDIDATES:
                candidates[contact] = bool(
                    contact.strip()
                    and boolean(row.get("is_deleted", ""), "false") == "false"
                    and lifecycle_stage(row.get("lifecycle_stage", "")) in LIFECYCLE_STAGES
                )
            if contact_group(contact) == "history":
                rank = version_rank(row.get("updated_at", ""))
                if contact not in ranks or rank >= ranks[contact]:
                    ranks[contact] = rank
                    self.winners[contact] = number
        if earliest is not None:
            self.epoch = earliest // DAY * DAY
        self.merged = next((contact for contact, once in candidates.items() if once), "")
        if not self.merged:
            raise ValueError("no live contact loaded once to carry the merged ids")

    def write_contacts(self) -> None:
        synced_by_contact: dict[str, int] = {}
        for number, row in enumerate(self.rows("crm/contacts")):
            contact = row.get("contact_id", "")
            group = contact_group(contact)
            if contact not in synced_by_contact:
                self.groups.contacts[group] += 1
            synced = self.reload(synced_by_contact, contact, load_event(row))
            dates = tuple(normalise_ts(row.get(column, "")) for column, _ in STAGE_DATES)
            empty = ("",) * len(STAGE_DATES)
            classic, v2 = {"classic": (dates, empty), "v2": (empty, dates)}.get(
                group, (empty, empty)
            )
            source, source_data = analytics_source(contact, row.get("lead_source", ""))
            self.sink.add(
                "contact",
                (
                    contact,
                    row.get("email", ""),
                    row.get("first_name", ""),
                    row.get("last_name", ""),
                    row.get("company_id", ""),
                    row.get("owner_id", ""),
                    source,
                    source_data,
                    lifecycle_stage(row.get("lifecycle_stage", "")),
                    normalise_ts(row.get("created_at", "")),
                    normalise_ts(row.get("updated_at", "")),
                    *classic,
                    *v2,
                    ";".join(MERGED_IDS) if contact == self.merged else "",
                    boolean(row.get("is_deleted", ""), "false"),
                    format_seconds(synced),
                ),
            )
            if group == "history" and self.winners.get(contact) == number:
                self.write_history(contact, dates, synced)
        self.winners.clear()

    def write_history(self, contact: str, dates: tuple[str, ...], synced: int) -> None:
        for (_, stage), date in zip(STAGE_DATES, dates):
            if date:
                self.sink.add(
                    "contact_property_history",
                    (
                        contact,
                        "lifecyclestage",
                        stage,
                        date,
                        HISTORY_SOURCE,
                        format_seconds(synced),
                    ),
                )
                self.groups.history_rows += 1

    # ------------------------------------------------------------------ companies, owners

    def write_companies(self) -> None:
        synced_by_company: dict[str, int] = {}
        for row in self.rows("crm/companies"):
            company = row.get("company_id", "")
            synced = self.reload(synced_by_company, company, load_event(row))
            self.sink.add(
                "company",
                (
                    company,
                    row.get("name", ""),
                    row.get("domain", ""),
                    row.get("industry", ""),
                    row.get("country", ""),
                    integer(row.get("employee_count", "")),
                    row.get("owner_id", ""),
                    normalise_ts(row.get("created_at", "")),
                    normalise_ts(row.get("updated_at", "")),
                    boolean(row.get("is_deleted", ""), "false"),
                    "false",
                    format_seconds(synced),
                ),
            )

    def write_owners(self) -> None:
        synced_by_owner: dict[str, int] = {}
        for row in self.rows("crm/owners"):
            owner = row.get("owner_id", "")
            synced = self.reload(synced_by_owner, owner, None)
            self.sink.add(
                "owner",
                (
                    owner,
                    row.get("email", ""),
                    row.get("first_name", ""),
                    row.get("last_name", ""),
                    boolean(row.get("is_active", "")),
                    format_seconds(synced),
                ),
            )

    # ------------------------------------------------------------------ deals

    def write_pipelines(self) -> None:
        synced = format_seconds(self.synced_at(None))
        for order, (pipeline_id, label) in enumerate(PIPELINES.values()):
            self.sink.add(
                "deal_pipeline", (pipeline_id, label, "true", str(order), "false", synced)
            )
        for pipeline_id, _ in PIPELINES.values():
            for order, (stage, (label, probability)) in enumerate(STAGES.items()):
                closed = bool_text(stage in CLOSED_STAGES)
                self.sink.add(
                    "deal_pipeline_stage",
                    (
                        STAGE_IDS[pipeline_id, stage],
                        pipeline_id,
                        label,
                        probability,
                        closed,
                        closed,  # closed_won: true on both closed stages (it means closed)
                        str(order),
                        "true",
                        "false",
                        synced,
                    ),
                )

    def write_deals(self) -> Anchor:
        """The deals (and their companies); returns the anchor of the broken rows: the first
        deal of a known pipeline and stage with a company, a day after its latest entry."""
        anchor: Anchor | None = None
        for row in self.rows("crm/deals"):
            deal = row.get("deal_id", "")
            if deal in (BAD_STAGE_DEAL, BAD_PIPELINE_DEAL):
                raise ValueError(f"the contract has deal {deal}, a broken row of the shape")
            contract_pipeline = row.get("pipeline", "")
            pipeline = PIPELINES.get(key(contract_pipeline), (contract_pipeline, ""))[0]
            self.write_deal(row, pipeline)
            if anchor is None and known_deal(row):
                anchor = self.anchor(row)
        if anchor is None:
            raise ValueError("no deal of a known pipeline and stage to hang the broken rows on")
        return anchor

    def write_deal(self, row: Row, pipeline: str) -> None:
        deal = row.get("deal_id", "")
        company = row.get("company_id", "")
        rank = version_rank(row.get("updated_at", ""))
        state = self.deals.get(deal)
        event = load_event(row)
        synced = self.synced_at(event)
        new_company = bool(deal.strip() and company.strip())
        if state is None:
            state = self.deals[deal] = Deal(pipeline, rank, company, synced)
        else:
            synced = max(synced, state.synced + RELOAD_STEP)
            state.synced = synced
            if rank >= state.rank:
                state.pipeline, state.rank = pipeline, rank
            if not state.company.strip():
                state.company = company
            elif company == state.company or company in (state.companies or ()):
                new_company = False
            else:
                state.companies = (state.companies or set()) | {company}
        stage = key(row.get("deal_stage", ""))
        self.sink.add(
            "deal",
            (
                deal,
                pipeline,
                self.stage_value(pipeline, row.get("deal_stage", "")),
                row.get("owner_id", ""),
                row.get("deal_name", ""),
                row.get("amount", ""),
                row.get("currency", "").strip().upper(),
                normalise_ts(row.get("created_at", "")),
                expected_close(row, stage),
                normalise_ts(row.get("updated_at", "")),
                boolean(row.get("is_deleted", ""), "false"),
                "false",
                format_seconds(synced),
            ),
        )
        if new_company:
            self.sink.add(
                "deal_company", (deal, company, PRIMARY_ASSOCIATION, format_seconds(synced))
            )

    @staticmethod
    def stage_value(pipeline: str, contract_stage: str) -> str:
        """The stage id of (pipeline id, contract stage); an unknown stage, or any stage of an
        unknown pipeline, as written."""
        return STAGE_IDS.get((pipeline, key(contract_stage)), contract_stage)

    def anchor(self, row: Row) -> Anchor:
        deal = row.get("deal_id", "")
        entries = self.entries.get(deal)
        dates = [date for date in (entries.dates if entries else []) if date is not None]
        latest = max(dates) if dates else load_event(row)
        at = (self.epoch if latest is None else latest) + DAY
        return Anchor(deal, row.get("company_id", ""), row.get("owner_id", ""), at)

    def write_bad_deal(self, anchor: Anchor) -> None:
        at = format_seconds(anchor.at)
        row = {
            "deal_id": BAD_PIPELINE_DEAL,
            "company_id": anchor.company,
            "owner_id": anchor.owner,
            "deal_name": "Imported deal",
            "deal_stage": "appointmentscheduled",
            "amount": "",
            "currency": "USD",
            "created_at": at,
            "closed_at": "",
            "is_deleted": "false",
            "updated_at": at,
        }
        self.write_deal(row, BAD_PIPELINE)

    # ------------------------------------------------------------------ stage entries

    def scan_entries(self) -> None:
        """Every deal's stage entry dates, in file order (the chain needs the next one)."""
        for row in self.rows("crm/deal_stage_history"):
            deal = row.get("deal_id", "")
            if deal == BAD_STAGE_DEAL:
                raise ValueError(f"the contract has a stage entry of {deal}, a broken row's deal")
            entered = row.get("entered_at", "")
            entries = self.entries.get(deal)
            if entries is None:
                entries = self.entries[deal] = Entries()
            entries.dates.append(parse_ts(entered) if entered else None)

    def write_entries(self, anchor: Anchor) -> None:
        at = format_seconds(anchor.at)
        bad = (
            {"deal_id": anchor.deal, "deal_stage": BAD_STAGE_ID, "entered_at": at},
            {"deal_id": BAD_STAGE_DEAL, "deal_stage": "appointmentscheduled", "entered_at": at},
        )
        for row in bad:
            self.entries.setdefault(row["deal_id"], Entries()).dates.append(anchor.at)
        for row in self.rows("crm/deal_stage_history"):
            self.write_entry(row)
        for row in bad:
            self.write_entry(row)

    def write_entry(self, row: Row) -> None:
        deal = row.get("deal_id", "")
        entries = self.entries[deal]
        if entries.ends is None:
            entries.chain()
        assert entries.ends is not None
        index = entries.written
        entries.written += 1
        date = entries.dates[index]
        synced = self.synced_at(date)
        if entries.synced is not None:
            synced = max(synced, entries.synced + ENTRY_STEP)
        entries.synced = synced
        if date is None:
            start, end = normalise_ts(row.get("entered_at", "")), ""
        else:
            end_date = entries.ends[index]
            start = format_seconds(date)
            end = FAR_FUTURE if end_date is None else format_seconds(end_date)
        state = self.deals.get(deal)
        pipeline = state.pipeline if state is not None else ""
        self.sink.add(
            "deal_stage",
            (
                deal,
                self.stage_value(pipeline, row.get("deal_stage", "")),
                normalise_ts(row.get("entered_at", "")),
                HISTORY_SOURCE,
                start,
                end,
                bool_text(index == entries.active),
                format_seconds(synced),
            ),
        )
        if entries.written == len(entries.dates):
            del self.entries[deal]


# --------------------------------------------------------------------------- entry points


@dataclass
class HubspotResult:
    counts: dict[str, int]
    groups: dict[str, int]  # distinct contacts per stage-date group
    history_rows: int
    seconds: float

    def group_summary(self) -> str:
        total = sum(self.groups.values()) or 1
        return ", ".join(
            f"{group} {count} ({100 * count / total:.1f} %)" for group, count in self.groups.items()
        )


def convert(contract_dir: Path, out: Path, file_format: str | None = None) -> HubspotResult:
    """Writes <out>/hubspot/ from the contract files under contract_dir; file_format defaults
    to the contract's (csv or parquet)."""
    began = time.perf_counter()
    source_format = contract_format(contract_dir)
    sink = ConnectorSink(out, "hubspot", HUBSPOT_COLUMNS, file_format or source_format)
    converter = Converter(contract_dir, sink, source_format)
    try:
        converter.run()
    finally:
        counts = sink.close()
    return HubspotResult(
        counts,
        dict(converter.groups.contacts),
        converter.groups.history_rows,
        time.perf_counter() - began,
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    return parse_converter_args(__doc__.split("\n\n")[0], argv)


def report(result: HubspotResult, out: Path) -> None:
    print_counts(result.counts)
    print(f"stage dates of contacts: {result.group_summary()}")
    print(f"converted in {result.seconds:.1f} s into {out / 'hubspot'}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    result = convert(args.contract_dir, args.out, args.file_format)
    if not args.quiet:
        report(result, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
