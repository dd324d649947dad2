"""Shared helpers of the generator: table layout, time arithmetic, raw formatting, writers.

Everything here is deterministic: randomness only comes from the ``random.Random``
instances handed in by the caller, never from the clock or from hash ordering.
"""

from __future__ import annotations

import calendar
import csv
import importlib
import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import IO, Any, Mapping, Protocol, Sequence, TypeVar

Row = dict[str, str]
T = TypeVar("T")

# The raw contract (/work/shared/design/raw_contract.md): table -> columns, in contract order.
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "crm/contacts": (
        "contact_id", "email", "first_name", "last_name", "company_id", "owner_id",
        "lead_source", "lifecycle_stage", "created_at", "became_lead_at", "became_mql_at",
        "became_sql_at", "became_opportunity_at", "became_customer_at", "is_deleted",
        "updated_at",
    ),
    "crm/companies": (
        "company_id", "name", "domain", "industry", "country", "employee_count", "owner_id",
        "created_at", "updated_at", "is_deleted",
    ),
    "crm/deals": (
        "deal_id", "company_id", "owner_id", "deal_name", "pipeline", "deal_stage", "amount",
        "currency", "created_at", "closed_at", "is_deleted", "updated_at",
    ),
    "crm/deal_stage_history": ("deal_id", "deal_stage", "entered_at"),
    "crm/owners": ("owner_id", "email", "first_name", "last_name", "team", "is_active"),
    "billing/customers": (
        "customer_id", "email", "name", "crm_company_id", "country", "currency",
        "is_livemode", "created_at", "is_deleted",
    ),
    "billing/prices": (
        "price_id", "product_id", "product_name", "nickname", "billing_interval",
        "interval_count", "unit_amount", "currency", "is_active",
    ),
    "billing/subscriptions": (
        "subscription_id", "customer_id", "status", "created_at", "started_at", "trial_start",
        "trial_end", "cancel_at_period_end", "canceled_at", "ended_at",
        "current_period_start", "current_period_end",
    ),
    "billing/invoices": (
        "invoice_id", "customer_id", "subscription_id", "status", "billing_reason", "currency",
        "created_at", "period_start", "period_end", "subtotal", "discount_total", "tax",
        "total", "amount_paid", "paid_at",
    ),
    "billing/invoice_line_items": (
        "line_item_id", "invoice_id", "subscription_id", "price_id", "line_type",
        "is_proration", "quantity", "amount", "discount_amount", "period_start", "period_end",
        "description",
    ),
    "billing/refunds": (
        "refund_id", "invoice_id", "amount", "currency", "status", "created_at", "reason",
    ),
    "finance/expenses": (
        "expense_id", "incurred_on", "department", "category", "channel", "amount", "currency",
    ),
    "finance/fx_rates": ("rate_date", "currency", "rate_to_usd"),
}

CHANNELS: tuple[str, ...] = (
    "organic_search", "paid_search", "paid_social", "referral", "events", "outbound",
    "partner", "direct",
)


# --------------------------------------------------------------------------- time


def days_in_month(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def add_months(value: datetime, months: int) -> datetime:
    """Shift by whole months, clamping the day (Stripe keeps the anchor day, clamped)."""
    years, month0 = divmod(value.month - 1 + months, 12)
    year = value.year + years
    month = month0 + 1
    return value.replace(year=year, month=month, day=min(value.day, days_in_month(year, month)))


def month_start(value: datetime | date) -> date:
    return date(value.year, value.month, 1)


def add_month_to_date(value: date, months: int) -> date:
    years, month0 = divmod(value.month - 1 + months, 12)
    return date(value.year + years, month0 + 1, 1)


def at_midnight(value: date) -> datetime:
    return datetime(value.year, value.month, value.day)


def seconds(delta: timedelta) -> int:
    return delta.days * 86400 + delta.seconds


def div_round(numerator: int, denominator: int) -> int:
    """Integer division rounding half up (deterministic, no floats)."""
    return (2 * numerator + denominator) // (2 * denominator)


# --------------------------------------------------------------------------- randomness


def chance(rng: random.Random, probability: float) -> bool:
    return rng.random() < probability


def weighted(rng: random.Random, options: Sequence[tuple[T, float]]) -> T:
    total = sum(weight for _, weight in options)
    roll = rng.random() * total
    for value, weight in options:
        roll -= weight
        if roll < 0:
            return value
    return options[-1][0]


def jitter(rng: random.Random, start: datetime, min_seconds: int, max_seconds: int) -> datetime:
    """A whole-second instant between start+min and start+max."""
    return start + timedelta(seconds=rng.randint(min_seconds, max_seconds))


def between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    span = max(0, seconds(end - start))
    return start + timedelta(seconds=rng.randint(0, span))


def lognormal_days(rng: random.Random, median: float, sigma: float, low: float, high: float) -> timedelta:
    days = rng.lognormvariate(math.log(median), sigma)
    days = min(max(days, low), high)
    return timedelta(seconds=int(days * 86400))


def clamp_int(value: float, low: int, high: int) -> int:
    return int(min(max(round(value), low), high))


# --------------------------------------------------------------------------- raw formatting


class RawFormatter:
    """Turns typed values into the messy-but-valid text of the raw layer."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng

    def ts(self, value: datetime | None, *, bare_date_ok: bool = False) -> str:
        """Mostly `YYYY-MM-DD HH:MM:SS`; some `T`, some trailing `Z`; bare dates where allowed.

        A bare date is only used where the caller accepts losing the time of day.
        """
        if value is None:
            return ""
        if value.microsecond:
            raise ValueError(f"sub-second timestamp would leak into the raw data: {value}")
        roll = self._rng.random()
        if bare_date_ok and roll < 0.03:
            return value.date().isoformat()
        text = value.isoformat(sep=" ")
        if roll < 0.88:
            return text
        if roll < 0.93:
            return value.isoformat(sep="T")
        if roll < 0.97:
            return value.isoformat(sep="T") + "Z"
        return text + "Z"

    @staticmethod
    def day(value: date | None) -> str:
        return "" if value is None else value.isoformat()

    def boolean(self, value: bool | None) -> str:
        if value is None:
            return ""
        roll = self._rng.random()
        text = "true" if value else "false"
        if roll < 0.90:
            return text
        if roll < 0.95:
            return text.upper()
        return text.capitalize()

    def currency(self, code: str, *, lower_share: float = 0.0, mixed_share: float = 0.0) -> str:
        """ISO code in a case chosen at random (the raw layer accepts any case)."""
        roll = self._rng.random()
        if roll < lower_share:
            return code.lower()
        if roll < lower_share + mixed_share:
            return code.capitalize()
        return code.upper()

    @staticmethod
    def integer(value: int | None) -> str:
        return "" if value is None else str(value)

    @staticmethod
    def major(minor: int | None) -> str:
        """Minor units (cents) -> decimal text in major units, always two decimals."""
        if minor is None:
            return ""
        sign = "-" if minor < 0 else ""
        whole, cents = divmod(abs(minor), 100)
        return f"{sign}{whole}.{cents:02d}"

    @staticmethod
    def rate(micro: int) -> str:
        whole, frac = divmod(micro, 1_000_000)
        return f"{whole}.{frac:06d}"

    @staticmethod
    def text(value: str | None) -> str:
        return "" if value is None else value


# --------------------------------------------------------------------------- ids


@dataclass
class IdSequence:
    """Sequential, zero-padded ids per kind."""

    counters: dict[str, int] = field(default_factory=dict)

    def next(self, kind: str) -> int:
        value = self.counters.get(kind, 0) + 1
        self.counters[kind] = value
        return value

    def peek(self, kind: str) -> int:
        return self.counters.get(kind, 0)


# --------------------------------------------------------------------------- writers


class TableWriter(Protocol):
    rows: int

    def write(self, row: Mapping[str, str]) -> None: ...

    def close(self) -> None: ...


class CsvTableWriter:
    """One CSV file, header row, contract column order, `\\n` line endings, UTF-8."""

    def __init__(self, path: Path, columns: Sequence[str]) -> None:
        self.columns = tuple(columns)
        self.rows = 0
        self._file: IO[str] = path.open("w", encoding="utf-8", newline="")
        self._writer = csv.writer(self._file, lineterminator="\n")
        self._writer.writerow(self.columns)

    def write(self, row: Mapping[str, str]) -> None:
        self._writer.writerow([row.get(column, "") for column in self.columns])
        self.rows += 1

    def close(self) -> None:
        self._file.close()


class ParquetTableWriter:
    """Optional Parquet output (all columns as text), pyarrow imported lazily.

    Rows are buffered in batches so memory stays bounded for large runs.
    """

    BATCH_ROWS = 100_000

    def __init__(self, path: Path, columns: Sequence[str]) -> None:
        try:
            self._pa: Any = importlib.import_module("pyarrow")
            self._pq: Any = importlib.import_module("pyarrow.parquet")
        except ImportError as error:  # pragma: no cover - depends on the environment
            raise SystemExit("--format parquet needs pyarrow (pip install pyarrow)") from error
        self.columns = tuple(columns)
        self.rows = 0
        self._path = path
        self._buffer: dict[str, list[str | None]] = {column: [] for column in self.columns}
        self._writer: Any = None

    def write(self, row: Mapping[str, str]) -> None:
        for column in self.columns:
            value = row.get(column, "")
            self._buffer[column].append(value if value != "" else None)
        self.rows += 1
        if len(self._buffer[self.columns[0]]) >= self.BATCH_ROWS:
            self._flush()

    def _flush(self) -> None:
        pa, pq = self._pa, self._pq
        schema = pa.schema([(column, pa.string()) for column in self.columns])
        if self._writer is None:
            self._writer = pq.ParquetWriter(str(self._path), schema)
        table = pa.table({column: pa.array(self._buffer[column], pa.string()) for column in self.columns}, schema=schema)
        self._writer.write_table(table)
        self._buffer = {column: [] for column in self.columns}

    def close(self) -> None:
        self._flush()
        self._writer.close()


class Sink:
    """All output tables of one run."""

    def __init__(self, out: Path, file_format: str) -> None:
        self.writers: dict[str, TableWriter] = {}
        for table, columns in TABLE_COLUMNS.items():
            path = out / f"{table}.{file_format}"
            path.parent.mkdir(parents=True, exist_ok=True)
            if file_format == "csv":
                self.writers[table] = CsvTableWriter(path, columns)
            else:
                self.writers[table] = ParquetTableWriter(path, columns)

    def write(self, table: str, row: Mapping[str, str]) -> None:
        self.writers[table].write(row)

    def close(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for table, writer in self.writers.items():
            writer.close()
            counts[table] = writer.rows
        return counts
