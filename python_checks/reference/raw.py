"""Raw layer of the reference: read the CSV layout and stage its rows.

Implements, independently of the dbt models:

* the raw CSV layout of ``docs/raw_contract.md`` ("Where the raw data lives":
  one file per table, ``crm/contacts.csv``, ``billing/invoices.csv`` ...);
* the parsing rules of ``docs/raw_contract.md`` ("Conventions");
* the per-row precedence of ``docs/raw_contract.md`` ("What happens to each raw
  row"): 1. duplicate, 2. test_mode, 3. quarantine, 4. staged.

Public entry point: :func:`load_raw`.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

Row = dict[str, Any]

# --------------------------------------------------------------------------
# Table specifications (docs/raw_contract.md: column lists and keys)
# --------------------------------------------------------------------------

ID, TEXT, ENUM, TS, DATE, BOOL, INT, DEC, CUR = (
    "id",
    "text",
    "enum",
    "timestamp",
    "date",
    "boolean",
    "integer",
    "decimal",
    "currency",
)


@dataclass(frozen=True)
class TableSpec:
    """One raw table: its CSV path, typed columns and deduplication key."""

    name: str
    path: str
    columns: dict[str, str]
    key: tuple[str, ...]
    has_updated_at: bool = False
    billing: bool = False


TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        TableSpec(
            "contacts",
            "crm/contacts.csv",
            {
                "contact_id": ID,
                "email": TEXT,
                "first_name": TEXT,
                "last_name": TEXT,
                "company_id": ID,
                "owner_id": ID,
                "lead_source": TEXT,
                "lifecycle_stage": ENUM,
                "created_at": TS,
                "became_lead_at": TS,
                "became_mql_at": TS,
                "became_sql_at": TS,
                "became_opportunity_at": TS,
                "became_customer_at": TS,
                "is_deleted": BOOL,
                "updated_at": TS,
            },
            ("contact_id",),
            has_updated_at=True,
        ),
        TableSpec(
            "companies",
            "crm/companies.csv",
            {
                "company_id": ID,
                "name": TEXT,
                "domain": TEXT,
                "industry": TEXT,
                "country": TEXT,
                "employee_count": INT,
                "owner_id": ID,
                "created_at": TS,
                "updated_at": TS,
                "is_deleted": BOOL,
            },
            ("company_id",),
            has_updated_at=True,
        ),
        TableSpec(
            "deals",
            "crm/deals.csv",
            {
                "deal_id": ID,
                "company_id": ID,
                "owner_id": ID,
                "deal_name": TEXT,
                "pipeline": ENUM,
                "deal_stage": ENUM,
                "amount": DEC,
                "currency": CUR,
                "created_at": TS,
                "closed_at": TS,
                "is_deleted": BOOL,
                "updated_at": TS,
            },
            ("deal_id",),
            has_updated_at=True,
        ),
        TableSpec(
            "deal_stage_history",
            "crm/deal_stage_history.csv",
            {"deal_id": ID, "deal_stage": ENUM, "entered_at": TS},
            ("deal_id", "deal_stage", "entered_at"),
        ),
        TableSpec(
            "owners",
            "crm/owners.csv",
            {
                "owner_id": ID,
                "email": TEXT,
                "first_name": TEXT,
                "last_name": TEXT,
                "team": ENUM,
                "is_active": BOOL,
            },
            ("owner_id",),
        ),
        TableSpec(
            "customers",
            "billing/customers.csv",
            {
                "customer_id": ID,
                "email": TEXT,
                "name": TEXT,
                "crm_company_id": ID,
                "country": TEXT,
                "currency": CUR,
                "is_livemode": BOOL,
                "created_at": TS,
                "is_deleted": BOOL,
            },
            ("customer_id",),
            billing=True,
        ),
        TableSpec(
            "prices",
            "billing/prices.csv",
            {
                "price_id": ID,
                "product_id": ID,
                "product_name": TEXT,
                "nickname": TEXT,
                "billing_interval": ENUM,
                "interval_count": INT,
                "unit_amount": INT,
                "currency": CUR,
                "is_active": BOOL,
            },
            ("price_id",),
            billing=True,
        ),
        TableSpec(
            "subscriptions",
            "billing/subscriptions.csv",
            {
                "subscription_id": ID,
                "customer_id": ID,
                "status": ENUM,
                "created_at": TS,
                "started_at": TS,
                "trial_start": TS,
                "trial_end": TS,
                "cancel_at_period_end": BOOL,
                "canceled_at": TS,
                "ended_at": TS,
                "current_period_start": TS,
                "current_period_end": TS,
            },
            ("subscription_id",),
            billing=True,
        ),
        TableSpec(
            "invoices",
            "billing/invoices.csv",
            {
                "invoice_id": ID,
                "customer_id": ID,
                "subscription_id": ID,
                "status": ENUM,
                "billing_reason": ENUM,
                "currency": CUR,
                "created_at": TS,
                "period_start": TS,
                "period_end": TS,
                "subtotal": INT,
                "discount_total": INT,
                "tax": INT,
                "total": INT,
                "amount_paid": INT,
                "paid_at": TS,
            },
            ("invoice_id",),
            billing=True,
        ),
        TableSpec(
            "invoice_line_items",
            "billing/invoice_line_items.csv",
            {
                "line_item_id": ID,
                "invoice_id": ID,
                "subscription_id": ID,
                "price_id": ID,
                "line_type": ENUM,
                "is_proration": BOOL,
                "quantity": INT,
                "amount": INT,
                "discount_amount": INT,
                "period_start": TS,
                "period_end": TS,
                "description": TEXT,
            },
            ("line_item_id",),
            billing=True,
        ),
        TableSpec(
            "refunds",
            "billing/refunds.csv",
            {
                "refund_id": ID,
                "invoice_id": ID,
                "amount": INT,
                "currency": CUR,
                "status": ENUM,
                "created_at": TS,
                "reason": TEXT,
            },
            ("refund_id",),
            billing=True,
        ),
        TableSpec(
            "expenses",
            "finance/expenses.csv",
            {
                "expense_id": ID,
                "incurred_on": DATE,
                "department": ENUM,
                "category": ENUM,
                "channel": TEXT,
                "amount": DEC,
                "currency": CUR,
            },
            ("expense_id",),
        ),
        TableSpec(
            "fx_rates",
            "finance/fx_rates.csv",
            {"rate_date": DATE, "currency": CUR, "rate_to_usd": DEC},
            ("currency", "rate_date"),
        ),
    )
}

# Enumerations of docs/raw_contract.md.
LIFECYCLE_STAGES = frozenset(
    {
        "subscriber",
        "lead",
        "marketingqualifiedlead",
        "salesqualifiedlead",
        "opportunity",
        "customer",
        "evangelist",
        "other",
    }
)
PIPELINES = frozenset({"new_business", "expansion", "renewal"})
DEAL_STAGES = frozenset(
    {
        "appointmentscheduled",
        "qualifiedtobuy",
        "presentationscheduled",
        "decisionmakerboughtin",
        "contractsent",
        "closedwon",
        "closedlost",
    }
)
BILLING_INTERVALS = frozenset({"day", "week", "month", "year"})
SUBSCRIPTION_STATUSES = frozenset(
    {
        "trialing",
        "active",
        "past_due",
        "unpaid",
        "canceled",
        "incomplete",
        "incomplete_expired",
    }
)
INVOICE_STATUSES = frozenset({"draft", "open", "paid", "void", "uncollectible"})
LINE_TYPES = frozenset({"subscription", "invoiceitem"})
REFUND_STATUSES = frozenset({"succeeded", "pending", "failed", "canceled"})

# Removal categories (docs/raw_contract.md, "What happens to each raw row", 1-3).
DUPLICATE, TEST_MODE, QUARANTINE = "duplicate", "test_mode", "quarantine"

# --------------------------------------------------------------------------
# Parsing (docs/raw_contract.md, "Conventions")
# --------------------------------------------------------------------------


def parse_timestamp(text: str) -> datetime:
    """``YYYY-MM-DD HH:MM:SS``, a ``T`` separator, a trailing ``Z`` or a bare
    date (= midnight); UTC, returned naive."""
    value = text[:-1] if text.endswith(("Z", "z")) else text
    value = value.replace("T", " ").replace("t", " ")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def parse_date(text: str) -> date:
    """Dates are ``YYYY-MM-DD``; a timestamp form is accepted and truncated."""
    if len(text) == 10:
        return date.fromisoformat(text)
    return parse_timestamp(text).date()


def parse_boolean(text: str) -> bool:
    """Booleans are ``true``/``false`` in any case."""
    lowered = text.lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    raise ValueError(f"not a boolean: {text!r}")


def parse_integer(text: str) -> int:
    """Integers (billing money in minor units, counts); ``100.0`` is accepted."""
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(f"not an integer: {text!r}") from exc
    if value != value.to_integral_value():
        raise ValueError(f"not an integer: {text!r}")
    return int(value)


def parse_decimal(text: str) -> Decimal:
    """CRM and finance money: decimal major units."""
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(f"not a decimal: {text!r}") from exc


PARSERS: dict[str, Callable[[str], Any]] = {
    ID: str,
    TEXT: str,
    TS: parse_timestamp,
    DATE: parse_date,
    BOOL: parse_boolean,
    INT: parse_integer,
    DEC: parse_decimal,
    ENUM: str.lower,  # enumerated values (statuses, stages, types) in any case
    CUR: str.upper,  # upper(trim()); the trim is done for every field
}


def parse_field(kind: str, raw: str | None) -> Any:
    """Trim; an empty field is null; otherwise parse by column type."""
    if raw is None:
        return None
    text = raw.strip()
    if text == "":
        return None
    return PARSERS[kind](text)


def read_table(raw_dir: Path, spec: TableSpec) -> list[Row]:
    """Read one CSV file (header row, columns in any order, extra columns
    ignored, a missing contract column read as null). A missing file is an
    empty table."""
    path = raw_dir / spec.path
    if not path.exists():
        return []
    rows: list[Row] = []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        for line_no, record in enumerate(csv.DictReader(handle), start=2):
            try:
                rows.append(
                    {col: parse_field(kind, record.get(col)) for col, kind in spec.columns.items()}
                )
            except ValueError as exc:
                raise ValueError(f"{path}:{line_no}: {exc}") from exc
    return rows


def load_currencies(seeds_dir: Path) -> dict[str, int]:
    """``seeds/currencies.csv``: currency code -> minor units."""
    with (seeds_dir / "currencies.csv").open(newline="", encoding="utf-8-sig") as handle:
        return {
            rec["currency_code"].strip().upper(): int(rec["minor_units"])
            for rec in csv.DictReader(handle)
        }


# --------------------------------------------------------------------------
# Step 1: duplicates
# --------------------------------------------------------------------------


def row_key(spec: TableSpec, row: Row) -> tuple[Any, ...] | None:
    """The table's key; ``None`` when any key part is null."""
    parts = tuple(row[col] for col in spec.key)
    return None if any(p is None for p in parts) else parts


def deduplicate(spec: TableSpec, rows: list[Row]) -> tuple[list[Row], int]:
    """Step 1. Rows sharing a non-null key: the latest ``updated_at`` wins
    (null lowest) where the table has it; ties, and tables without it, the
    last row in file order. Null-key rows are never duplicates (kept here,
    quarantined later). Returns (survivors in file order, #duplicates)."""
    winners: dict[tuple[Any, ...], int] = {}
    for index, row in enumerate(rows):
        key = row_key(spec, row)
        if key is None:
            continue
        if key not in winners or _beats(spec, row, rows[winners[key]]):
            winners[key] = index
    kept_indexes = set(winners.values())
    survivors = [
        row for index, row in enumerate(rows) if row_key(spec, row) is None or index in kept_indexes
    ]
    return survivors, len(rows) - len(survivors)


def _beats(spec: TableSpec, later: Row, earlier: Row) -> bool:
    """Does a later row (file order) supersede an earlier one of the same key?"""
    if not spec.has_updated_at:
        return True
    new, old = later["updated_at"], earlier["updated_at"]
    if new is None:
        return old is None
    return old is None or new >= old


# --------------------------------------------------------------------------
# Result container
# --------------------------------------------------------------------------


@dataclass
class StagedRaw:
    """Staged rows per table and removal counts per table.

    ``removals[table]`` counts ``(category, reason)`` pairs, category one of
    ``duplicate``, ``test_mode``, ``quarantine``; for the first two the reason
    repeats the category; for quarantine it is the reason string of
    docs/raw_contract.md (``null key``, ``negative quantity`` ...).
    """

    tables: dict[str, list[Row]]
    removals: dict[str, Counter[tuple[str, str]]]
    currencies: dict[str, int] = field(default_factory=dict)

    def count(self, table: str, category: str, reason: str | None = None) -> int:
        """Number of rows of ``table`` removed for ``category`` (and ``reason``)."""
        return sum(
            n
            for (cat, why), n in self.removals[table].items()
            if cat == category and (reason is None or why == reason)
        )


# --------------------------------------------------------------------------
# Step 2: test mode (billing only)
# --------------------------------------------------------------------------


def test_mode_customer_ids(customers: list[Row]) -> set[str]:
    """Customers with ``is_livemode = false`` (null = live), from the winning
    raw rows."""
    return {
        row["customer_id"]
        for row in customers
        if row["customer_id"] is not None and row["is_livemode"] is False
    }


def is_test_mode(
    table: str, row: Row, test_customers: set[str], invoice_customer: dict[str, str | None]
) -> bool:
    """Step 2: the row belongs to a test-mode customer, directly (customers,
    subscriptions, invoices) or through its invoice's winning raw row
    (line items, refunds)."""
    if table == "customers":
        return row["is_livemode"] is False
    if table in ("subscriptions", "invoices"):
        return row["customer_id"] in test_customers
    if table in ("invoice_line_items", "refunds"):
        return invoice_customer.get(row["invoice_id"]) in test_customers
    return False


# --------------------------------------------------------------------------
# Step 3: quarantine rules, first failing rule wins
# --------------------------------------------------------------------------

Rule = tuple[str, Callable[[Row], bool]]


def _null(*cols: str) -> Callable[[Row], bool]:
    return lambda r: any(r[c] is None for c in cols)


def _end_before_start(start: str, end: str) -> Callable[[Row], bool]:
    return lambda r: r[start] is not None and r[end] is not None and r[end] < r[start]


def quarantine_rules(table: str, currencies: dict[str, int], staged: dict[str, set]) -> list[Rule]:
    """The ordered quarantine rules of docs/raw_contract.md (reasons per table), for ``table``.
    ``staged`` holds the keys of already staged parent tables."""

    def unknown_cur(r: Row) -> bool:
        return r["currency"] not in currencies

    key_null = _null(*TABLES[table].key)
    rules: dict[str, list[Rule]] = {
        "contacts": [
            ("null key", key_null),
            (
                "unknown lifecycle_stage",
                lambda r: (
                    r["lifecycle_stage"] is not None
                    and r["lifecycle_stage"] not in LIFECYCLE_STAGES
                ),
            ),
        ],
        "companies": [("null key", key_null)],
        "deals": [
            ("null key", key_null),
            ("unknown pipeline", lambda r: r["pipeline"] not in PIPELINES),
            ("unknown deal_stage", lambda r: r["deal_stage"] not in DEAL_STAGES),
            (
                "unknown currency",
                lambda r: r["amount"] is not None and r["currency"] not in currencies,
            ),
        ],
        "deal_stage_history": [
            ("null key", key_null),
            ("unknown deal_stage", lambda r: r["deal_stage"] not in DEAL_STAGES),
            ("orphan deal_id", lambda r: r["deal_id"] not in staged.get("deals", set())),
        ],
        "owners": [("null key", key_null)],
        "customers": [("null key", key_null), ("unknown currency", unknown_cur)],
        "prices": [
            ("null key", key_null),
            ("unknown billing_interval", lambda r: r["billing_interval"] not in BILLING_INTERVALS),
            (
                "invalid interval_count",
                lambda r: r["interval_count"] is None or r["interval_count"] < 1,
            ),
            (
                "negative unit_amount",
                lambda r: r["unit_amount"] is not None and r["unit_amount"] < 0,
            ),
            ("unknown currency", unknown_cur),
        ],
        "subscriptions": [
            ("null key", key_null),
            ("unknown status", lambda r: r["status"] not in SUBSCRIPTION_STATUSES),
            (
                "period end before start",
                _end_before_start("current_period_start", "current_period_end"),
            ),
            (
                "orphan customer_id",
                lambda r: r["customer_id"] not in staged.get("customers", set()),
            ),
        ],
        "invoices": [
            ("null key", key_null),
            ("unknown status", lambda r: r["status"] not in INVOICE_STATUSES),
            ("unknown currency", unknown_cur),
            ("period end before start", _end_before_start("period_start", "period_end")),
            (
                "orphan customer_id",
                lambda r: r["customer_id"] not in staged.get("customers", set()),
            ),
            (
                "orphan subscription_id",
                lambda r: (
                    r["subscription_id"] is not None
                    and r["subscription_id"] not in staged.get("subscriptions", set())
                ),
            ),
        ],
        "invoice_line_items": [
            ("null key", key_null),
            ("unknown line_type", lambda r: r["line_type"] not in LINE_TYPES),
            ("negative quantity", lambda r: r["quantity"] is not None and r["quantity"] < 0),
            ("period end before start", _end_before_start("period_start", "period_end")),
            ("orphan invoice_id", lambda r: r["invoice_id"] not in staged.get("invoices", set())),
            (
                "orphan price_id",
                lambda r: (
                    r["price_id"] is not None and r["price_id"] not in staged.get("prices", set())
                ),
            ),
            (
                "recurring line without price",
                lambda r: r["line_type"] == "subscription" and r["price_id"] is None,
            ),
            (
                "orphan subscription_id",
                lambda r: (
                    r["subscription_id"] is not None
                    and r["subscription_id"] not in staged.get("subscriptions", set())
                ),
            ),
            # A recurring line must belong to a subscription: its own, else its invoice's.
            (
                "recurring line without subscription",
                lambda r: (
                    r["line_type"] == "subscription"
                    and r["subscription_id"] is None
                    and r["invoice_id"] not in staged.get("invoices_with_subscription", set())
                ),
            ),
        ],
        "refunds": [
            ("null key", key_null),
            ("unknown status", lambda r: r["status"] not in REFUND_STATUSES),
            ("negative amount", lambda r: r["amount"] is not None and r["amount"] < 0),
            ("unknown currency", unknown_cur),
            ("orphan invoice_id", lambda r: r["invoice_id"] not in staged.get("invoices", set())),
        ],
        "expenses": [
            ("null key", key_null),
            ("missing incurred_on", _null("incurred_on")),
            ("unknown currency", unknown_cur),
        ],
        "fx_rates": [
            ("null key", key_null),
            ("non-positive rate", lambda r: r["rate_to_usd"] is None or r["rate_to_usd"] <= 0),
            ("unknown currency", unknown_cur),
        ],
    }
    return rules[table]


def first_failing_rule(rules: Iterable[Rule], row: Row) -> str | None:
    """The reason of the first rule the row fails, else ``None``."""
    for reason, fails in rules:
        if fails(row):
            return reason
    return None


# Parents before children, so that orphan checks see staged parents.
STAGING_ORDER = (
    "owners",
    "companies",
    "contacts",
    "deals",
    "deal_stage_history",
    "customers",
    "prices",
    "subscriptions",
    "invoices",
    "invoice_line_items",
    "refunds",
    "expenses",
    "fx_rates",
)


def load_raw(raw_dir: Path, seeds_dir: Path) -> StagedRaw:
    """Read the 13 raw CSV tables under ``raw_dir`` and apply, per row, the
    precedence duplicate -> test_mode -> quarantine -> staged."""
    raw_dir, seeds_dir = Path(raw_dir), Path(seeds_dir)
    currencies = load_currencies(seeds_dir)
    removals: dict[str, Counter[tuple[str, str]]] = {name: Counter() for name in TABLES}

    deduped: dict[str, list[Row]] = {}
    for name, spec in TABLES.items():
        survivors, n_dup = deduplicate(spec, read_table(raw_dir, spec))
        deduped[name] = survivors
        if n_dup:
            removals[name][(DUPLICATE, DUPLICATE)] += n_dup

    test_customers = test_mode_customer_ids(deduped["customers"])
    invoice_customer = {
        row["invoice_id"]: row["customer_id"]
        for row in deduped["invoices"]
        if row["invoice_id"] is not None
    }

    tables: dict[str, list[Row]] = {}
    staged_keys: dict[str, set] = {}
    for name in STAGING_ORDER:
        spec = TABLES[name]
        rules = quarantine_rules(name, currencies, staged_keys)
        kept: list[Row] = []
        for row in deduped[name]:
            if spec.billing and is_test_mode(name, row, test_customers, invoice_customer):
                removals[name][(TEST_MODE, TEST_MODE)] += 1
                continue
            reason = first_failing_rule(rules, row)
            if reason is not None:
                removals[name][(QUARANTINE, reason)] += 1
                continue
            kept.append(row)
        tables[name] = kept
        if len(spec.key) == 1:
            staged_keys[name] = {row[spec.key[0]] for row in kept}
        if name == "invoices":
            staged_keys["invoices_with_subscription"] = {
                row["invoice_id"] for row in kept if row["subscription_id"] is not None
            }
    return StagedRaw(tables=tables, removals=removals, currencies=currencies)
