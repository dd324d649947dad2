"""The billing data in a second shape: the tables Fivetran's Stripe connector lands.

Usage::

    python -m generator.fivetran_stripe --contract-dir data/demo --out data/demo
        [--format csv|parquet] [--quiet]

or, in one run with the contract files, ``python -m generator.raw_data ... --shapes
contract,fivetran_stripe``. Reads the raw contract's ``<contract-dir>/billing/*`` (and
``crm/companies`` for the e-mail fallback below), CSV or Parquet, and writes::

    <out>/stripe/{customer,product,price,plan,subscription_history,subscription,
                  subscription_item,invoice,invoice_line_item,discount,coupon,charge,
                  refund}.csv

(``.parquet`` with ``--format parquet``, which defaults to the contract's format: every column
text, empty values null). CSV: header line, RFC 4180 quoting, ``\\n`` endings, empty = null.

Every contract billing row is converted, the deliberately broken ones and the duplicate loads
included; each contract row of a table gives exactly one row of its Stripe table, in input
order: customers -> customer, prices -> price and plan (same rows), subscriptions ->
subscription and subscription_history, invoices -> invoice, invoice_line_items ->
invoice_line_item, refunds -> refund. Derived tables: product (one row per product_id),
subscription_item (one per subscription and price of its recurring lines, id
``si_<subscription digits>_<n>``), discount (one per line load with a discount, id
``di_<line digits>``), coupon (the coupons those discounts use: a percentage when the discount
is a whole percent of the line, else an amount), charge (id ``ch_<invoice digits>``: one per
paid invoice and per invoice a refund points at, a missing one included).

Values are what a Fivetran destination holds: timestamps ``YYYY-MM-DD HH:MM:SS`` in UTC (the
contract's ``T``, ``Z``, UTC offsets, bare dates and fractions normalised), booleans
``true``/``false``, integers plain, currency codes lower-case, metadata JSON text. A value
that does not parse (a deliberately broken row) is written as it is.

- ``_fivetran_synced``: the row's event time (created; paid_at for an invoice, canceled_at for a
  subscription when later) plus five minutes; a later load of the same id is always strictly
  later (at least a minute after the previous load). Lines are synced one second apart after
  their invoice's latest load, so a repeated line is later too.
- customer.metadata: ``{"crm_company_id": "<id>"}``, or ``{}`` without a CRM company. The e-mail
  fallback: about half (by a SHA-256 bit of the customer id) of the customers whose e-mail
  domain is the domain of exactly one live CRM company, that company being the contract's
  crm_company_id, get ``{}`` or ``{"plan_source": "web"}`` instead, so the warehouse must link
  them by domain. "Live" is read cautiously: a company counts against a domain if any of its
  loads is live, and is a fallback target only if every load is live with that one domain.
- subscription_history: every contract row is one version (the last load of an id active, the
  earlier ones ending where the next starts); a subscription whose first load has a trial gets
  one extra earlier ``trialing`` version. Subscriptions created on or after 2025-03-31 (Stripe
  API "basil") carry their current period on their items only; older ones on the subscription.

Broken rows of the Stripe shape only (STRIPE_BAD_ROWS), added at the end of their tables and
hanging on the contract's side invoice ``in_9999900`` (generator/bad_rows.py):

- discount ``di_99999999`` on line ``il_99999999``, which does not exist (orphan invoice line)
- charge ``ch_9999901`` without an invoice, refunded by ``re_999905`` (charge without invoice)
- subscription_item ``si_999999_1`` of subscription ``sub_999999``, which does not exist

Deterministic and streaming: each contract table is read once or twice, row by row; only maps
per id (test-mode customers, subscriptions, invoices -> customer / subscription / currency,
items, coupons, prices) stay in memory, never a whole table.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import importlib
import json
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

from generator.bad_rows import SIDE_INVOICE
from generator.common import CsvTableWriter, ParquetTableWriter, TableWriter, Values, div_round

__all__ = [
    "STRIPE_BAD_ROWS",
    "STRIPE_COLUMNS",
    "column_names",
    "convert",
    "main",
    "normalise_ts",
    "reload_synced",
    "sha256_digest",
]

Row = dict[str, str]


def column_names(names: str) -> tuple[str, ...]:
    """A table's columns from one whitespace-separated string (the connector converters)."""
    return tuple(names.split())


# Table -> columns, in order (the spec the dbt models of the Stripe source read).
_SUBSCRIPTION = """id customer_id status created start_date trial_start trial_end
    cancel_at_period_end canceled_at ended_at current_period_start current_period_end
    livemode metadata"""
STRIPE_COLUMNS: dict[str, tuple[str, ...]] = {
    "customer": column_names(
        """id email name description currency address_country created livemode is_deleted
        metadata _fivetran_synced"""
    ),
    "product": column_names("id name active livemode created is_deleted _fivetran_synced"),
    "price": column_names(
        """id product_id nickname currency unit_amount recurring_interval
        recurring_interval_count type active livemode created is_deleted _fivetran_synced"""
    ),
    "plan": column_names(
        """id product_id nickname currency amount interval interval_count active livemode
        created is_deleted _fivetran_synced"""
    ),
    "subscription_history": column_names(
        _SUBSCRIPTION + " _fivetran_start _fivetran_end _fivetran_active _fivetran_synced"
    ),
    "subscription": column_names(_SUBSCRIPTION + " _fivetran_synced"),
    "subscription_item": column_names(
        """id subscription_id price_id plan_id quantity created current_period_start
        current_period_end _fivetran_synced"""
    ),
    "invoice": column_names(
        """id customer_id subscription_id status billing_reason currency created period_start
        period_end subtotal tax total amount_due amount_paid amount_remaining
        status_transitions_paid_at charge_id number livemode is_deleted _fivetran_synced"""
    ),
    "invoice_line_item": column_names(
        """id invoice_id subscription_id subscription_item_id price_id plan_id type proration
        quantity amount currency period_start period_end description discountable livemode
        _fivetran_synced"""
    ),
    "discount": column_names(
        """id type type_id amount coupon_id customer_id invoice_id invoice_item_id
        subscription_id promotion_code start end checkout_session _fivetran_synced"""
    ),
    "coupon": column_names(
        """id name percent_off amount_off currency duration duration_in_months livemode valid
        created _fivetran_synced"""
    ),
    "charge": column_names(
        """id invoice_id customer_id amount amount_refunded currency status paid captured
        livemode created _fivetran_synced"""
    ),
    "refund": column_names("id charge_id amount currency status reason created _fivetran_synced"),
}

BAD_DISCOUNT = "di_99999999"
BAD_DISCOUNT_LINE = "il_99999999"
BAD_CHARGE = "ch_9999901"
BAD_REFUND = "re_999905"
BAD_ITEM = "si_999999_1"
BAD_ITEM_SUBSCRIPTION = "sub_999999"

# (table, id shown in the report, quarantine reason): the rows of the Stripe shape only.
STRIPE_BAD_ROWS: tuple[tuple[str, str, str], ...] = (
    ("stripe/discount", BAD_DISCOUNT, f"orphan invoice line ({BAD_DISCOUNT_LINE})"),
    ("stripe/refund", BAD_REFUND, f"charge without invoice ({BAD_CHARGE})"),
    ("stripe/subscription_item", BAD_ITEM, f"orphan subscription_id ({BAD_ITEM_SUBSCRIPTION})"),
)

SYNC_LAG = 300  # seconds from a row's event to its sync
RELOAD_STEP = 60  # a later load of an id: at least this much after the previous one
LINE_STEP = 1  # lines of an invoice: one second apart, after the invoice
FAR_FUTURE = "9999-12-31 23:59:59"
DAY = 86_400
BASIL_FROM = date(2025, 3, 31).toordinal() * DAY  # API 'basil': period on the items
NO_DATE = date(2000, 1, 1).toordinal() * DAY  # the catalogue's date when nothing is dated
_MAX_SECONDS = date(9999, 12, 31).toordinal() * DAY + DAY - 1


# --------------------------------------------------------------------------- values

_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?"
    r"(Z|[+-]\d{2}(?::?\d{2})?)?"
)
_INTEGER = re.compile(r"[+-]?\d+(?:\.0*)?")
_NON_DIGITS = re.compile(r"[^0-9]")


def _offset_seconds(offset: str | None) -> int | None:
    """Seconds east of UTC of `Z`, `+05`, `+0530`, `-05:00`; None beyond +-14:59."""
    if offset is None or offset == "Z":
        return 0
    text = offset[1:].replace(":", "")
    hours, minutes = int(text[:2]), int(text[2:] or 0)
    if hours > 14 or minutes > 59:
        return None
    sign = -1 if offset[0] == "-" else 1
    return sign * (hours * 3600 + minutes * 60)


@lru_cache(maxsize=1 << 14)
def _day_number(year: int, month: int, day: int) -> int | None:
    """Days since 0001-01-01 (day 1), None for no such date."""
    try:
        return date(year, month, day).toordinal()
    except ValueError:
        return None


@lru_cache(maxsize=1 << 14)
def _day_text(days: int) -> str:
    return date.fromordinal(days).isoformat()


@lru_cache(maxsize=1 << 16)
def parse_ts(text: str) -> int | None:
    """Seconds since 0001-01-01 00:00 UTC of a contract timestamp; None if it does not parse.
    Fractions of a second are dropped."""
    match = _TIMESTAMP.fullmatch(text.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second, offset = match.groups()
    days = _day_number(int(year), int(month), int(day))
    hours, minutes, seconds = int(hour or 0), int(minute or 0), int(second or 0)
    shift = _offset_seconds(offset)
    if days is None or shift is None or hours > 23 or minutes > 59 or seconds > 59:
        return None
    value = days * DAY + hours * 3600 + minutes * 60 + seconds - shift
    return value if DAY <= value <= _MAX_SECONDS else None


def format_seconds(value: int) -> str:
    days, rest = divmod(value, DAY)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{_day_text(days)} {hours:02d}:{minutes:02d}:{seconds:02d}"


@lru_cache(maxsize=1 << 16)
def normalise_ts(text: str) -> str:
    """UTC `YYYY-MM-DD HH:MM:SS`; empty stays empty, anything unparseable is kept as it is."""
    value = parse_ts(text)
    if value is None:
        return text if text.strip() else ""
    if len(text) == 19 and text[10] == " ":  # already the canonical spelling
        return text
    return format_seconds(value)


def boolean(text: str, default: str = "") -> str:
    """`true`/`false` in lower case; empty -> default; anything else kept as it is."""
    stripped = text.strip()
    if not stripped:
        return default
    lower = stripped.lower()
    return lower if lower in ("true", "false") else text


def to_int(text: str) -> int | None:
    if text.isascii() and text.isdigit():
        return int(text)
    stripped = text.strip()
    if not _INTEGER.fullmatch(stripped):
        return None
    return int(stripped.split(".")[0])


def integer(text: str) -> str:
    """Plain integer text (`+5`, `5.0` -> `5`); empty stays empty, anything else as it is."""
    if text.isascii() and text.isdigit() and (text[0] != "0" or text == "0"):
        return text
    value = to_int(text)
    if value is None:
        return "" if not text.strip() else text
    return str(value)


def currency(text: str) -> str:
    return text.strip().lower()


def digits(identifier: str) -> str:
    """The digits of an id (`in_0000180` -> `0000180`), or the id itself when it has none."""
    found = _NON_DIGITS.sub("", identifier)
    return found or identifier


def charge_id_for(invoice_id: str) -> str:
    return f"ch_{digits(invoice_id)}" if invoice_id else ""


def email_domain(email: str) -> str:
    address = email.strip()
    return address.rsplit("@", 1)[1].strip().lower() if "@" in address else ""


def latest_ts(first: str, second: str = "") -> int | None:
    """The later of two timestamps that parse (an empty one is skipped), None if none does."""
    one = parse_ts(first) if first else None
    two = parse_ts(second) if second else None
    if one is None or two is None:
        return two if one is None else one
    return max(one, two)


def bool_text(value: bool) -> str:
    return "true" if value else "false"


def sha256_digest(text: str) -> bytes:
    """The SHA-256 of an id: the deterministic coin the converters choose variants with."""
    return hashlib.sha256(text.encode("utf-8")).digest()


def reload_synced(last: dict[str, int], key: str, synced: int) -> int:
    """The synced time of a load of `key`: `synced`, but at least RELOAD_STEP after the id's
    previous load (recorded in `last`)."""
    previous = last.get(key)
    if previous is not None and synced < previous + RELOAD_STEP:
        synced = previous + RELOAD_STEP
    last[key] = synced
    return synced


# --------------------------------------------------------------------------- reading


def contract_format(contract_dir: Path) -> str:
    """csv, or parquet when the contract has no CSV billing files."""
    if (contract_dir / "billing" / "invoices.csv").exists():
        return "csv"
    if (contract_dir / "billing" / "invoices.parquet").exists():
        return "parquet"
    raise FileNotFoundError(f"no billing/invoices.csv or .parquet under {contract_dir}")


def read_rows(contract_dir: Path, table: str, file_format: str) -> Iterator[Row]:
    """The rows of one contract table, in file order, every value text ("" = empty)."""
    path = contract_dir / f"{table}.{file_format}"
    if file_format == "csv":
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            header = [name.strip() for name in next(reader, [])]
            for values in reader:
                yield dict(zip(header, values))
        return
    parquet = importlib.import_module("pyarrow.parquet")
    for batch in parquet.ParquetFile(str(path)).iter_batches(batch_size=65_536):
        for record in batch.to_pylist():
            yield {key: "" if value is None else str(value) for key, value in record.items()}


# --------------------------------------------------------------------------- writing


class ConnectorSink:
    """A connector shape's output tables under <out>/<folder>/, rows appended as tuples in
    column order (the Stripe and HubSpot converters)."""

    def __init__(
        self, out: Path, folder: str, columns: dict[str, tuple[str, ...]], file_format: str
    ) -> None:
        self.folder = folder
        directory = out / folder
        directory.mkdir(parents=True, exist_ok=True)
        self.writers: dict[str, TableWriter] = {}
        for table, table_columns in columns.items():
            path = directory / f"{table}.{file_format}"
            if file_format == "csv":
                self.writers[table] = CsvTableWriter(path, table_columns)
            elif file_format == "parquet":
                self.writers[table] = ParquetTableWriter(path, table_columns)
            else:
                raise ValueError(f"unknown format {file_format!r}")

    def add(self, table: str, values: Values) -> None:
        writer = self.writers[table]
        if len(values) != len(writer.columns):
            raise ValueError(f"{table}: {len(values)} values for {len(writer.columns)} columns")
        writer.pending.append(values)
        if len(writer.pending) >= writer.batch_rows:
            writer.flush()

    def close(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for table, writer in self.writers.items():
            writer.close()
            counts[f"{self.folder}/{table}"] = writer.rows
        return counts


# --------------------------------------------------------------------------- state


@dataclass(slots=True)
class Company:
    """What the e-mail fallback needs of a CRM company: its domains and deletion flags."""

    domains: set[str] = field(default_factory=set)
    live_all: bool = True
    live_any: bool = False


@dataclass(slots=True)
class Subscription:
    """One subscription id: the synced time of each of its loads, its trial version, and
    the latest load's period (for its items)."""

    synced: list[int] = field(default_factory=list)
    trial: int | None = None
    written: int = 0
    first_basil: bool = False  # of the first load (the trial version's)
    basil: bool = False  # of the latest load (the items')
    period_start: str = ""
    period_end: str = ""


@dataclass(slots=True)
class Invoice:
    """One invoice id, as of its latest load: what its lines, discounts and charge need."""

    customer: str
    subscription: str
    currency: str
    livemode: bool
    synced: int
    lines: int = 0
    charged: bool = False
    total: int | None = None


@dataclass(slots=True)
class RefundTarget:
    """An invoice id a refund points at."""

    currency: str = ""  # of its first refund
    created: str = ""  # of its first refund
    amount: int = 0  # refunds of any status (the amount of a missing invoice's charge)
    refunded: dict[str, int] = field(default_factory=dict)  # currency -> succeeded refunds


@dataclass(slots=True)
class Item:
    id: str
    created: str
    quantity: str
    synced: int


@dataclass(slots=True)
class Product:
    name: str  # of its first price
    created: int  # its earliest price's
    active: bool = False  # any price active


@dataclass(frozen=True)
class Anchor:
    """The real invoice the Stripe-only broken rows hang on."""

    invoice: str
    customer: str
    subscription: str
    currency: str
    livemode: bool
    at: int


def fallback_metadata(customer_id: str) -> str | None:
    """The metadata of a customer left to the e-mail fallback, None for about half of them."""
    first = sha256_digest(customer_id)[0]
    if first & 1:
        return None
    return "{}" if first & 2 else json.dumps({"plan_source": "web"})


def coupon_for(amount: int | None, discount: int, code: str) -> tuple[str, str, str, str]:
    """(id, name, percent_off, amount_off) of the coupon behind a line discount: the smallest
    whole percent of the line amount that rounds to it, else a fixed amount."""
    if amount is not None and amount > 0 and discount > 0:
        guess = discount * 100 // amount
        for percent in (guess - 1, guess, guess + 1, guess + 2):
            if 1 <= percent <= 100 and div_round(amount * percent, 100) == discount:
                return f"percent_{percent}", f"{percent}% off", str(percent), ""
    return f"amount_{discount}_{code}", f"{discount} {code.upper()} off", "", str(discount)


def subscription_event(row: Row) -> int | None:
    """When a subscription load's state began: its creation, its cancellation, or the end of
    its trial once it is past it (capped at the current period's start, never in the future)."""
    event = latest_ts(row.get("created_at", ""), row.get("canceled_at", ""))
    trial_end = parse_ts(row.get("trial_end", ""))
    period_start = parse_ts(row.get("current_period_start", ""))
    if row.get("status", "").strip().lower() != "trialing" and trial_end is not None:
        if period_start is not None:
            trial_end = min(trial_end, period_start)
        event = trial_end if event is None else max(event, trial_end)
    return event


def invoice_number(invoice_id: str, status: str) -> str:
    """Stripe numbers an invoice when it is finalised: none on a draft."""
    if not invoice_id or status.strip().lower() == "draft":
        return ""
    return f"INV-{digits(invoice_id)}"


def trial_version(values: Values, state: Subscription) -> Values:
    """The extra, earlier version of a subscription with a trial: status trialing, the trial
    as its period (none on a 'basil' subscription: its period is on the items), neither
    canceled nor ended. `values`: the first load's subscription_values."""
    assert state.trial is not None
    period = ("", "") if state.first_basil else (values[5], values[6])
    start = format_seconds(state.trial)
    return (
        *values[:2],
        "trialing",
        *values[3:7],
        "false",
        "",
        "",
        *period,
        *values[12:],
        start,
        format_seconds(state.synced[0]),
        "false",
        start,
    )


# --------------------------------------------------------------------------- the converter


class Converter:
    """Converts one contract directory. `run` reads each contract table once or twice, in
    dependency order, and writes every Stripe table in input order."""

    def __init__(self, contract_dir: Path, sink: ConnectorSink, file_format: str) -> None:
        self.contract_dir = contract_dir
        self.sink = sink
        self.file_format = file_format
        self.epoch = 0
        self.test_mode: set[str] = set()
        self.domain_company: dict[str, str] = {}
        self.customer_synced: dict[str, int] = {}
        self.subs: dict[str, Subscription] = {}
        self.invoices: dict[str, Invoice] = {}
        self.targets: dict[str, RefundTarget] = {}
        self.orphan_lines: dict[str, int] = {}
        self.items: dict[tuple[str, str], Item] = {}
        self.items_per_sub: dict[str, int] = {}
        self.coupons: dict[str, Values] = {}
        self.price_created: dict[str, int] = {}
        self.anchor: Anchor | None = None
        self.fallbacks = 0

    def rows(self, table: str) -> Iterator[Row]:
        return read_rows(self.contract_dir, table, self.file_format)

    def run(self) -> None:
        prices = list(self.rows("billing/prices"))  # the catalogue: small
        candidates = self.scan_customers()
        self.scan_companies(candidates)
        self.scan_refunds()
        self.write_customers()
        self.scan_subscriptions()
        self.write_subscriptions()
        self.write_invoices()
        self.write_refund_charges()
        self.write_lines()
        anchor = self.require_anchor()
        self.write_bad_discount(anchor)
        self.write_items(anchor, prices)
        self.write_coupons()
        self.write_catalogue(prices)
        self.write_bad_charge(anchor)
        self.write_refunds(anchor)

    # ------------------------------------------------------------------ customers

    def scan_customers(self) -> set[str]:
        """Test-mode customers (latest load), the earliest creation (the catalogue's date)
        and the e-mail domains of customers with a CRM company."""
        candidates: set[str] = set()
        earliest: int | None = None
        for row in self.rows("billing/customers"):
            customer = row.get("customer_id", "")
            if row.get("is_livemode", "").strip().lower() == "false":
                self.test_mode.add(customer)
            else:
                self.test_mode.discard(customer)
            created = parse_ts(row.get("created_at", ""))
            if created is not None and (earliest is None or created < earliest):
                earliest = created
            domain = email_domain(row.get("email", ""))
            if row.get("crm_company_id", "").strip() and domain:
                candidates.add(domain)
        self.epoch = (earliest // DAY * DAY) if earliest is not None else NO_DATE
        return candidates

    def scan_companies(self, candidates: set[str]) -> None:
        """domain -> company id for the domains held by exactly one live CRM company."""
        tracked: dict[str, Company] = {}
        for row in self.rows("crm/companies"):
            company_id = row.get("company_id", "").strip()
            domain = row.get("domain", "").strip().lower()
            state = tracked.get(company_id)
            if not company_id or (state is None and domain not in candidates):
                continue
            if state is None:
                state = tracked[company_id] = Company()
            live = row.get("is_deleted", "").strip().lower() != "true"
            state.domains.add(domain)
            state.live_all &= live
            state.live_any |= live
        holders: dict[str, list[str]] = {}
        for company_id, state in tracked.items():
            if state.live_any:
                for domain in sorted(state.domains):
                    holders.setdefault(domain, []).append(company_id)
        for domain, companies in holders.items():
            state = tracked[companies[0]]
            if len(companies) == 1 and state.live_all and state.domains == {domain}:
                self.domain_company[domain] = companies[0]

    def write_customers(self) -> None:
        for row in self.rows("billing/customers"):
            customer = row.get("customer_id", "")
            synced = self.reload(
                self.customer_synced, customer, parse_ts(row.get("created_at", ""))
            )
            self.sink.add(
                "customer",
                (
                    customer,
                    row.get("email", ""),
                    row.get("name", ""),
                    "",
                    currency(row.get("currency", "")),
                    row.get("country", ""),
                    normalise_ts(row.get("created_at", "")),
                    boolean(row.get("is_livemode", ""), "true"),
                    boolean(row.get("is_deleted", ""), "false"),
                    self.customer_metadata(row),
                    format_seconds(synced),
                ),
            )

    def customer_metadata(self, row: Row) -> str:
        company = row.get("crm_company_id", "").strip()
        if not company:
            return "{}"
        domain = email_domain(row.get("email", ""))
        if self.domain_company.get(domain) == company:
            fallback = fallback_metadata(row.get("customer_id", ""))
            if fallback is not None:
                self.fallbacks += 1
                return fallback
        return json.dumps({"crm_company_id": company})

    def reload(self, last: dict[str, int], key: str, event: int | None) -> int:
        """The synced time of a load: its event + SYNC_LAG, strictly after the id's last load."""
        return reload_synced(last, key, (self.epoch if event is None else event) + SYNC_LAG)

    # ------------------------------------------------------------------ subscriptions

    def scan_subscriptions(self) -> None:
        """The synced time of every load (versions need the next one's start) and the latest
        load's period and API version, per subscription id."""
        for row in self.rows("billing/subscriptions"):
            key = row.get("subscription_id", "")
            state = self.subs.get(key)
            created = parse_ts(row.get("created_at", ""))
            if state is None:
                state = self.subs[key] = Subscription()
                state.first_basil = created is not None and created >= BASIL_FROM
                if row.get("trial_start", "").strip():
                    trial = parse_ts(row.get("trial_start", ""))
                    if trial is None:  # unparseable: the trial version starts at creation
                        trial = self.epoch if created is None else created
                    state.trial = trial
            event = subscription_event(row)
            synced = (self.epoch if event is None else event) + SYNC_LAG
            previous = state.synced[-1] if state.synced else state.trial
            if previous is not None and synced < previous + RELOAD_STEP:
                synced = previous + RELOAD_STEP
            state.synced.append(synced)
            state.basil = created is not None and created >= BASIL_FROM
            state.period_start = normalise_ts(row.get("current_period_start", ""))
            state.period_end = normalise_ts(row.get("current_period_end", ""))

    def write_subscriptions(self) -> None:
        for row in self.rows("billing/subscriptions"):
            state = self.subs[row.get("subscription_id", "")]
            version = state.written
            state.written += 1
            values = self.subscription_values(row)
            if version == 0 and state.trial is not None:
                self.sink.add("subscription_history", trial_version(values, state))
            synced = format_seconds(state.synced[version])
            active = version == len(state.synced) - 1
            end = FAR_FUTURE if active else format_seconds(state.synced[version + 1])
            self.sink.add("subscription_history", (*values, synced, end, bool_text(active), synced))
            self.sink.add("subscription", (*values, synced))

    def subscription_values(self, row: Row) -> Values:
        """The columns shared by subscription and subscription_history, up to metadata."""
        basil = (parse_ts(row.get("created_at", "")) or 0) >= BASIL_FROM
        period = (
            ("", "")
            if basil
            else (
                normalise_ts(row.get("current_period_start", "")),
                normalise_ts(row.get("current_period_end", "")),
            )
        )
        return (
            row.get("subscription_id", ""),
            row.get("customer_id", ""),
            row.get("status", ""),
            normalise_ts(row.get("created_at", "")),
            normalise_ts(row.get("started_at", "")),
            normalise_ts(row.get("trial_start", "")),
            normalise_ts(row.get("trial_end", "")),
            boolean(row.get("cancel_at_period_end", ""), "false"),
            normalise_ts(row.get("canceled_at", "")),
            normalise_ts(row.get("ended_at", "")),
            *period,
            bool_text(row.get("customer_id", "") not in self.test_mode),
            "{}",
        )

    # ------------------------------------------------------------------ invoices, charges

    def scan_refunds(self) -> None:
        """The invoices refunds point at (in the order first pointed at), with the positive
        amounts of the latest load of each refund id summed (the charges' amount_refunded)."""
        latest: dict[str, Row] = {}
        for row in self.rows("billing/refunds"):
            invoice = row.get("invoice_id", "")
            if invoice and invoice not in self.targets:
                self.targets[invoice] = RefundTarget(
                    currency(row.get("currency", "")), normalise_ts(row.get("created_at", ""))
                )
            if row.get("refund_id", ""):
                latest[row.get("refund_id", "")] = row
        for row in latest.values():
            target = self.targets.get(row.get("invoice_id", ""))
            amount = to_int(row.get("amount", ""))
            if target is None or amount is None or amount <= 0:
                continue
            target.amount += amount
            if row.get("status", "").strip().lower() == "succeeded":
                code = currency(row.get("currency", ""))
                target.refunded[code] = target.refunded.get(code, 0) + amount

    def write_invoices(self) -> None:
        for row in self.rows("billing/invoices"):
            invoice_id = row.get("invoice_id", "")
            state = self.remember_invoice(row)
            total, paid = to_int(row.get("total", "")), to_int(row.get("amount_paid", ""))
            charged = bool(invoice_id) and ((paid or 0) > 0 or invoice_id in self.targets)
            status = row.get("status", "")
            self.sink.add(
                "invoice",
                (
                    invoice_id,
                    state.customer,
                    state.subscription,
                    status,
                    row.get("billing_reason", ""),
                    state.currency,
                    normalise_ts(row.get("created_at", "")),
                    normalise_ts(row.get("period_start", "")),
                    normalise_ts(row.get("period_end", "")),
                    integer(row.get("subtotal", "")),
                    integer(row.get("tax", "")),
                    integer(row.get("total", "")),
                    integer(row.get("total", "")),
                    integer(row.get("amount_paid", "")),
                    "" if total is None or paid is None else str(total - paid),
                    normalise_ts(row.get("paid_at", "")),
                    charge_id_for(invoice_id) if charged else "",
                    invoice_number(invoice_id, status),
                    bool_text(state.livemode),
                    "false",
                    format_seconds(state.synced),
                ),
            )
            if paid is not None and paid > 0 and charged and not state.charged:
                self.write_charge(invoice_id, state, paid, row)

    def remember_invoice(self, row: Row) -> Invoice:
        """Updates the invoice's entry to this load (synced strictly after the last one)."""
        invoice_id = row.get("invoice_id", "")
        customer = sys.intern(row.get("customer_id", ""))
        event = latest_ts(row.get("created_at", ""), row.get("paid_at", ""))
        synced = (self.epoch if event is None else event) + SYNC_LAG
        state = self.invoices.get(invoice_id)
        if state is None:
            state = self.invoices[invoice_id] = Invoice(
                customer, "", "", True, synced - RELOAD_STEP
            )
        state.synced = max(synced, state.synced + RELOAD_STEP)
        state.customer = customer
        state.subscription = sys.intern(row.get("subscription_id", ""))
        state.currency = sys.intern(currency(row.get("currency", "")))
        state.livemode = customer not in self.test_mode
        if invoice_id in self.targets:
            state.total = to_int(row.get("total", ""))
        if self.anchor is None or invoice_id == SIDE_INVOICE:
            created = parse_ts(row.get("created_at", ""))
            self.anchor = Anchor(
                invoice_id,
                customer,
                state.subscription,
                state.currency,
                state.livemode,
                self.epoch if created is None else created,
            )
        return state

    def write_charge(self, invoice_id: str, state: Invoice, amount: int, row: Row) -> None:
        charge = charge_id_for(invoice_id)
        if charge == BAD_CHARGE:
            raise ValueError(f"invoice {invoice_id} would take the broken charge's id {charge}")
        event = latest_ts(row.get("paid_at", ""))  # paid when paid, else when created
        if event is None:
            event = latest_ts(row.get("created_at", ""))
        at = self.epoch if event is None else event
        target = self.targets.get(invoice_id)
        refunded = target.refunded.get(state.currency, 0) if target else 0
        self.sink.add(
            "charge",
            (
                charge,
                invoice_id,
                state.customer,
                str(amount),
                str(refunded),
                state.currency,
                "succeeded",
                "true",
                "true",
                bool_text(state.livemode),
                format_seconds(at),
                format_seconds(at + SYNC_LAG),
            ),
        )
        state.charged = True

    def write_refund_charges(self) -> None:
        """The charges of refunded invoices not paid in any load, or missing altogether."""
        for invoice_id, target in self.targets.items():
            state = self.invoices.get(invoice_id)
            if state is not None and state.charged:
                continue
            at = parse_ts(target.created)
            if state is None:
                state = Invoice("", "", target.currency, True, 0)
                amount = target.amount
            else:
                amount = state.total if state.total is not None else target.amount
            at_text = target.created if at is None else format_seconds(at)
            self.write_charge(invoice_id, state, amount, {"created_at": at_text})

    # ------------------------------------------------------------------ lines, discounts

    def write_lines(self) -> None:
        for row in self.rows("billing/invoice_line_items"):
            line_id = row.get("line_item_id", "")
            if line_id == BAD_DISCOUNT_LINE:
                raise ValueError(f"the contract has line {line_id}, the broken discount's orphan")
            invoice_id = row.get("invoice_id", "")
            state = self.invoices.get(invoice_id) if invoice_id else None
            synced = self.line_synced(row, state)
            price = row.get("price_id", "")
            period_start = parse_ts(row.get("period_start", ""))
            if price and period_start is not None:
                first = self.price_created.get(price)
                self.price_created[price] = (
                    period_start if first is None else min(first, period_start)
                )
            self.sink.add("invoice_line_item", self.line_values(row, state, synced))
            discount = row.get("discount_amount", "")
            if discount.strip() and to_int(discount) != 0:
                self.write_discount(row, state, synced)

    def line_synced(self, row: Row, state: Invoice | None) -> int:
        """One second after the previous line of the same invoice (after the invoice's latest
        load), so that a line loaded again is synced later."""
        if state is not None:
            state.lines += LINE_STEP
            return state.synced + state.lines
        invoice_id = row.get("invoice_id", "")
        previous = self.orphan_lines.get(invoice_id)
        event = parse_ts(row.get("period_start", ""))
        synced = (self.epoch if event is None else event) + SYNC_LAG
        if previous is not None:
            synced = max(synced, previous + LINE_STEP)
        self.orphan_lines[invoice_id] = synced
        return synced

    def line_values(self, row: Row, state: Invoice | None, synced: int) -> Values:
        line_type = row.get("line_type", "").strip().lower()
        subscription = row.get("subscription_id", "") or (state.subscription if state else "")
        price = row.get("price_id", "")
        item = ""
        if line_type == "subscription" and subscription and price:
            item = self.item_for(subscription, price, row, synced)
        proration = boolean(row.get("is_proration", ""), "false")
        discountable = {"true": "false", "false": "true"}.get(proration, "")
        return (
            row.get("line_item_id", ""),
            row.get("invoice_id", ""),
            row.get("subscription_id", ""),
            item,
            price,
            price,
            line_type,
            proration,
            integer(row.get("quantity", "")),
            integer(row.get("amount", "")),
            state.currency if state else "",
            normalise_ts(row.get("period_start", "")),
            normalise_ts(row.get("period_end", "")),
            row.get("description", ""),
            discountable,
            bool_text(state.livemode) if state else "true",
            format_seconds(synced),
        )

    def item_for(self, subscription: str, price: str, row: Row, synced: int) -> str:
        """The item of (subscription, price): created by its first line, its quantity the
        latest line's."""
        key = (subscription, price)
        item = self.items.get(key)
        if item is None:
            number = self.items_per_sub.get(subscription, 0) + 1
            self.items_per_sub[subscription] = number
            item_id = f"si_{digits(subscription)}_{number}"
            if item_id == BAD_ITEM:
                raise ValueError(f"subscription {subscription} would take the broken item's id")
            created = normalise_ts(row.get("period_start", ""))
            item = self.items[key] = Item(item_id, created, "", synced)
        item.quantity = integer(row.get("quantity", ""))
        item.synced = synced
        return item.id

    def write_discount(self, row: Row, state: Invoice | None, synced: int) -> None:
        line_id = row.get("line_item_id", "")
        amount = integer(row.get("discount_amount", ""))
        start = normalise_ts(row.get("period_start", ""))
        code = state.currency if state else ""
        coupon = self.coupon(to_int(row.get("amount", "")), to_int(amount), code, start, synced)
        self.sink.add(
            "discount",
            (
                f"di_{digits(line_id)}",
                "parent_invoice_line_item",
                line_id,
                amount,
                coupon,
                state.customer if state else "",
                row.get("invoice_id", ""),
                line_id,
                state.subscription if state else "",
                "",
                start,
                "",
                "",
                format_seconds(synced),
            ),
        )

    def coupon(
        self, line_amount: int | None, discount: int | None, code: str, created: str, synced: int
    ) -> str:
        """The coupon id of a discount; the coupon row is kept for the coupon table."""
        if discount is None:  # an unparseable discount: no coupon can be read from it
            return ""
        coupon_id, name, percent, amount = coupon_for(line_amount, discount, code)
        if coupon_id not in self.coupons:
            self.coupons[coupon_id] = (
                coupon_id,
                name,
                percent,
                amount,
                code if amount else "",
                "forever",
                "",
                "true",
                "true",
                created,
                format_seconds(synced),
            )
        return coupon_id

    # ------------------------------------------------------------------ the rest

    def write_items(self, anchor: Anchor, prices: list[Row]) -> None:
        for (subscription, price), item in self.items.items():
            state = self.subs.get(subscription)
            period = (
                (state.period_start, state.period_end)
                if state is not None and state.basil
                else ("", "")
            )
            self.sink.add(
                "subscription_item",
                (
                    item.id,
                    subscription,
                    price,
                    price,
                    item.quantity,
                    item.created,
                    *period,
                    format_seconds(item.synced),
                ),
            )
        price = next((row.get("price_id", "") for row in prices if row.get("price_id")), "")
        at = format_seconds(anchor.at)
        self.sink.add(
            "subscription_item",
            (BAD_ITEM, BAD_ITEM_SUBSCRIPTION, price, price, "1", at, "", "", self.later(anchor)),
        )

    def write_coupons(self) -> None:
        for values in self.coupons.values():
            self.sink.add("coupon", values)

    def write_catalogue(self, prices: list[Row]) -> None:
        """price and plan (the same rows), then one product per product_id. A price is
        created when its first line's period starts (the catalogue's date if it has none)."""
        synced_by_price: dict[str, int] = {}
        products: dict[str, Product] = {}
        for row in prices:
            price = row.get("price_id", "")
            created = self.price_created.get(price, self.epoch)
            synced = format_seconds(self.reload(synced_by_price, price, created))
            values = (
                price,
                row.get("product_id", ""),
                row.get("nickname", ""),
                currency(row.get("currency", "")),
                integer(row.get("unit_amount", "")),
                row.get("billing_interval", ""),
                integer(row.get("interval_count", "")),
            )
            active = boolean(row.get("is_active", ""))
            tail = ("true", format_seconds(created), "false", synced)
            self.sink.add("price", (*values, "recurring", active, *tail))
            self.sink.add("plan", (*values, active, *tail))
            product_id = row.get("product_id", "")
            if product_id:
                product = products.setdefault(
                    product_id, Product(row.get("product_name", ""), created)
                )
                product.active |= active == "true"
                product.created = min(product.created, created)
        for product_id, product in products.items():
            self.sink.add(
                "product",
                (
                    product_id,
                    product.name,
                    bool_text(product.active),
                    "true",
                    format_seconds(product.created),
                    "false",
                    format_seconds(product.created + SYNC_LAG),
                ),
            )

    def write_refunds(self, anchor: Anchor) -> None:
        synced_by_refund: dict[str, int] = {}
        for row in self.rows("billing/refunds"):
            refund = row.get("refund_id", "")
            if refund == BAD_REFUND:
                raise ValueError(f"the contract has refund {refund}, a broken row of the shape")
            synced = self.reload(synced_by_refund, refund, parse_ts(row.get("created_at", "")))
            self.sink.add(
                "refund",
                (
                    refund,
                    charge_id_for(row.get("invoice_id", "")),
                    integer(row.get("amount", "")),
                    currency(row.get("currency", "")),
                    row.get("status", ""),
                    row.get("reason", ""),
                    normalise_ts(row.get("created_at", "")),
                    format_seconds(synced),
                ),
            )
        self.sink.add(
            "refund",
            (
                BAD_REFUND,
                BAD_CHARGE,
                "1000",
                anchor.currency,
                "succeeded",
                "requested_by_customer",
                format_seconds(anchor.at),
                self.later(anchor),
            ),
        )

    # ------------------------------------------------------------------ broken rows

    def require_anchor(self) -> Anchor:
        if self.anchor is None:
            raise ValueError("no invoice to hang the Stripe shape's broken rows on")
        return self.anchor

    @staticmethod
    def later(anchor: Anchor) -> str:
        return format_seconds(anchor.at + SYNC_LAG)

    def write_bad_discount(self, anchor: Anchor) -> None:
        coupon = next(iter(self.coupons), "") or self.coupon(
            10_000, 1_000, anchor.currency, format_seconds(anchor.at), anchor.at + SYNC_LAG
        )
        self.sink.add(
            "discount",
            (
                BAD_DISCOUNT,
                "parent_invoice_line_item",
                BAD_DISCOUNT_LINE,
                "500",
                coupon,
                anchor.customer,
                anchor.invoice,
                BAD_DISCOUNT_LINE,
                anchor.subscription,
                "",
                format_seconds(anchor.at),
                "",
                "",
                self.later(anchor),
            ),
        )

    def write_bad_charge(self, anchor: Anchor) -> None:
        self.sink.add(
            "charge",
            (
                BAD_CHARGE,
                "",
                anchor.customer,
                "1000",
                "1000",
                anchor.currency,
                "succeeded",
                "true",
                "true",
                bool_text(anchor.livemode),
                format_seconds(anchor.at),
                self.later(anchor),
            ),
        )


# --------------------------------------------------------------------------- entry points


@dataclass
class StripeResult:
    counts: dict[str, int]
    customers: int
    fallbacks: int
    seconds: float


def convert(contract_dir: Path, out: Path, file_format: str | None = None) -> StripeResult:
    """Writes <out>/stripe/ from the contract files under contract_dir; file_format defaults
    to the contract's (csv or parquet)."""
    began = time.perf_counter()
    source_format = contract_format(contract_dir)
    sink = ConnectorSink(out, "stripe", STRIPE_COLUMNS, file_format or source_format)
    converter = Converter(contract_dir, sink, source_format)
    try:
        converter.run()
    finally:
        counts = sink.close()
    return StripeResult(
        counts,
        counts["stripe/customer"],
        converter.fallbacks,
        time.perf_counter() - began,
    )


def parse_converter_args(description: str, argv: list[str] | None) -> argparse.Namespace:
    """The command line every connector converter takes."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--contract-dir", type=Path, default=Path("data/demo"))
    parser.add_argument("--out", type=Path, default=Path("data/demo"))
    parser.add_argument(
        "--format",
        dest="file_format",
        choices=("csv", "parquet"),
        default=None,
        help="output format (default: the contract's)",
    )
    parser.add_argument("--quiet", action="store_true")
    return parser.parse_args(argv)


def print_counts(counts: dict[str, int]) -> None:
    """A converter's report: the rows written per table."""
    for table, count in counts.items():
        print(f"{table:32s} {count:8d} rows")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    return parse_converter_args(__doc__.split("\n\n")[0], argv)


def report(result: StripeResult, out: Path) -> None:
    print_counts(result.counts)
    print(f"e-mail fallback: {result.fallbacks} of {result.customers} customer rows")
    print(f"converted in {result.seconds:.1f} s into {out / 'stripe'}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    result = convert(args.contract_dir, args.out, args.file_format)
    if not args.quiet:
        report(result, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
