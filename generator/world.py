"""What every part of a run shares: its arguments, the owners, the price list and FX rates,
and the id rules that keep blocks of a large run (generator/blocks.py) apart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from generator.catalogue import FxTable, Owner, PriceCatalogue, build_owners
from generator.common import FastRandom, add_month_to_date, add_months, month_start


@dataclass(frozen=True)
class Config:
    out: Path
    seed: int = 42
    customers: int = 800
    start: date = date(2023, 10, 1)
    months: int = 36
    file_format: str = "csv"

    @property
    def start_at(self) -> datetime:
        return datetime(self.start.year, self.start.month, self.start.day)

    @property
    def now(self) -> datetime:
        """The end of the data: noon of the last day of the last month."""
        return add_months(self.start_at, self.months) - timedelta(hours=12)

    @property
    def first_month(self) -> date:
        return month_start(self.start_at)


@dataclass
class World:
    """The run's main random stream (after the catalogues drew from it) and its catalogues."""

    rng: FastRandom
    owners: list[Owner]
    catalogue: PriceCatalogue
    fx: FxTable


def build_world(config: Config) -> World:
    """Owners then FX rates, drawn from the ``--seed`` stream in this order (the demo data
    depends on it); the price list draws nothing."""
    rng = FastRandom(config.seed)
    owners = build_owners(rng, config.start_at, config.now)
    catalogue = PriceCatalogue()
    fx = FxTable.build(rng, add_month_to_date(config.first_month, -3), month_start(config.now))
    return World(rng, owners, catalogue, fx)


# Generated ids stay below these counts per block, so that they can never take the ids of
# the deliberately broken rows (generator/bad_rows.py: contact 199901 = 100000 + 99901,
# cus_999901, sub_999901, in_9999900.., il_99999900.. (block 9 of a large run), deal
# 5999901 = 5000000 + 999901, re_999901) nor the next block's (see ID_STRIDE).
ID_LIMITS: dict[str, int] = {
    "contact": 99_900,
    "customer": 999_900,
    "test_customer": 999_900,
    "subscription": 999_900,
    "invoice": 9_999_899,
    "line": 9_999_899,
    "refund": 999_900,
    "deal": 999_900,
    "expense": 999_900,
}
# Block k of a large run numbers its ids from k * ID_STRIDE + 1.
ID_STRIDE = 10_000_000


def check_id_counts(counters: dict[str, int], where: str) -> None:
    for kind, count in counters.items():
        limit = ID_LIMITS.get(kind, ID_STRIDE - 1)
        if count > limit:
            raise ValueError(
                f"{where}: {count} {kind} ids, more than the {limit} that keep ids unique"
            )
