"""Small in-memory catalogues: fake names, owners, the price list and monthly FX rates."""

from __future__ import annotations

import random
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

from generator.common import RawFormatter, Row, Sink, Weights, add_month_to_date, chance

FIRST_NAMES: tuple[str, ...] = (
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Charles",
    "Karen",
    "Daniel",
    "Lisa",
    "Matthew",
    "Nancy",
    "Anthony",
    "Sandra",
    "Mark",
    "Ashley",
    "Steven",
    "Emily",
    "Paul",
    "Michelle",
    "Andrew",
    "Amanda",
    "Joshua",
    "Melissa",
    "Kevin",
    "Laura",
    "Brian",
    "Rebecca",
    "Lukas",
    "Sophie",
    "Emma",
    "Jonas",
    "Chloe",
    "Hugo",
    "Lea",
    "Olivia",
    "Noah",
    "Mia",
    "Liam",
    "Ava",
    "Ethan",
    "Zoe",
    "Priya",
    "Arjun",
    "Mei",
    "Kenji",
    "Sofia",
    "Mateo",
    "Jane",
    "Omar",
    "Fatima",
    "Lars",
    "Ingrid",
)
LAST_NAMES: tuple[str, ...] = (
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Thompson",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "Walker",
    "Hall",
    "Young",
    "King",
    "Wright",
    "Scott",
    "Green",
    "Baker",
    "Adams",
    "Nelson",
    "Carter",
    "Mitchell",
    "Roberts",
    "Turner",
    "Phillips",
    "Campbell",
    "Parker",
    "Evans",
    "Edwards",
    "Collins",
    "Stewart",
    "Murphy",
    "Cook",
    "Rogers",
    "Morgan",
    "Muller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Dubois",
    "Bernard",
    "Moreau",
    "Jansen",
    "de Vries",
    "O'Brien",
    "Patel",
    "Tanaka",
    "Kowalski",
    "Rossi",
    "Doe",
    "Nilsson",
)


@cache
def email_local(first_name: str, last_name: str) -> str:
    clean = "".join(ch for ch in f"{first_name}.{last_name}".lower() if ch.isalnum() or ch == ".")
    return clean


def fake_person(rng: random.Random) -> tuple[str, str]:
    return rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)


# --------------------------------------------------------------------------- owners


@dataclass(frozen=True)
class Owner:
    owner_id: str
    first_name: str
    last_name: str
    team: str
    active_from: datetime
    active_to: datetime | None

    @property
    def email(self) -> str:
        return f"{email_local(self.first_name, self.last_name)}@example.com"

    def active_at(self, when: datetime) -> bool:
        return self.active_from <= when and (self.active_to is None or when < self.active_to)


# (team, how many, share that left before the end, share that joined after the start)
OWNER_TEAMS: tuple[tuple[str, int, float, float], ...] = (
    ("sales", 16, 0.3, 0.4),
    ("customer_success", 8, 0.25, 0.4),
    ("marketing", 6, 0.2, 0.3),
)


def build_owners(rng: random.Random, start: datetime, now: datetime) -> list[Owner]:
    owners: list[Owner] = []
    span = now - start
    number = 0
    used: set[tuple[str, str]] = set()
    for team, count, left_share, joined_share in OWNER_TEAMS:
        for slot in range(count):
            number += 1
            first, last = fake_person(rng)
            while (first, last) in used:
                first, last = fake_person(rng)
            used.add((first, last))
            # the first two of each team are there for the whole story
            joined = start - timedelta(days=200)
            if slot >= 2 and chance(rng, joined_share):
                joined = start + span * rng.uniform(0.1, 0.7)
            left: datetime | None = None
            if slot >= 2 and chance(rng, left_share):
                left = joined + timedelta(days=rng.randint(240, 700))
                if left >= now:
                    left = None
            joined = joined.replace(microsecond=0)
            left = left.replace(microsecond=0) if left else None
            owners.append(Owner(str(31_000_000 + number * 37), first, last, team, joined, left))
    return owners


def pick_owner(rng: random.Random, owners: list[Owner], team: str, when: datetime) -> Owner:
    candidates = [owner for owner in owners if owner.team == team and owner.active_at(when)]
    if not candidates:
        candidates = [owner for owner in owners if owner.team == team]
    return rng.choice(candidates)


class OwnerPicker:
    """``pick_owner`` with the candidate lists cached: the active set of a team only changes
    at the owners' join and leave instants, so it is computed once per interval between them
    (same candidates in the same order, hence the same draw)."""

    def __init__(self, owners: list[Owner]) -> None:
        self._owners = owners
        self._breaks: dict[str, list[datetime]] = {}
        self._cache: dict[tuple[str, int], list[Owner]] = {}
        for team in {owner.team for owner in owners}:
            instants = {owner.active_from for owner in owners if owner.team == team}
            instants |= {
                owner.active_to for owner in owners if owner.team == team and owner.active_to
            }
            self._breaks[team] = sorted(instants)

    def pick(self, rng: random.Random, team: str, when: datetime) -> Owner:
        key = (team, bisect_right(self._breaks.get(team, []), when))
        candidates = self._cache.get(key)
        if candidates is None:
            owners = self._owners
            candidates = [owner for owner in owners if owner.team == team and owner.active_at(when)]
            if not candidates:
                candidates = [owner for owner in owners if owner.team == team]
            self._cache[key] = candidates
        return rng.choice(candidates)


def owner_row(owner: Owner, fmt: RawFormatter) -> Row:
    return {
        "owner_id": owner.owner_id,
        "email": owner.email,
        "first_name": owner.first_name,
        "last_name": owner.last_name,
        "team": owner.team,
        "is_active": fmt.boolean(owner.active_to is None),
    }


def write_owners(sink: Sink, fmt: RawFormatter, owners: list[Owner]) -> None:
    for owner in owners:
        sink.write("crm/owners", owner_row(owner, fmt))
    # a duplicate load: the same owner exported again (last row wins; unchanged content)
    sink.write("crm/owners", owner_row(owners[1], fmt))


# --------------------------------------------------------------------------- prices

CURRENCIES: tuple[str, ...] = ("USD", "EUR", "GBP", "CAD")
CURRENCY_FACTOR: dict[str, float] = {"USD": 1.0, "EUR": 0.93, "GBP": 0.80, "CAD": 1.36}

# product -> (name, tier rank, {plan: (interval, interval_count, USD unit amount in cents)})
PRODUCTS: dict[str, tuple[str, int, dict[str, tuple[str, int, int]]]] = {
    "starter": (
        "Starter",
        0,
        {"m1": ("month", 1, 2900), "m3": ("month", 3, 8100), "y1": ("year", 1, 29000)},
    ),
    "growth": (
        "Growth",
        1,
        {"m1": ("month", 1, 5900), "m3": ("month", 3, 16500), "y1": ("year", 1, 59000)},
    ),
    "enterprise": (
        "Enterprise",
        2,
        {"m1": ("month", 1, 11900), "m3": ("month", 3, 33900), "y1": ("year", 1, 119000)},
    ),
    "analytics": ("Analytics Add-on", 5, {"m1": ("month", 1, 1500), "y1": ("year", 1, 15000)}),
    "flex": ("Flex (weekly)", 6, {"w1": ("week", 1, 900)}),
}
TIERS: tuple[str, ...] = ("starter", "growth", "enterprise")
PLAN_LABEL: dict[str, str] = {"m1": "Monthly", "m3": "Quarterly", "y1": "Annual", "w1": "Weekly"}
LEGACY_PRICE_ID = "price_starter_m1_usd_2023"
LEGACY_UNTIL = datetime(2024, 4, 1)


@dataclass(frozen=True)
class Price:
    price_id: str
    product: str
    product_name: str
    plan: str
    interval: str
    interval_count: int
    unit_amount: int
    currency: str
    is_active: bool

    @property
    def product_id(self) -> str:
        return f"prod_{self.product}"

    @property
    def nickname(self) -> str:
        legacy = " (legacy)" if not self.is_active else ""
        return f"{self.product_name} {PLAN_LABEL[self.plan]} {self.currency}{legacy}"

    @property
    def months(self) -> float:
        if self.interval == "month":
            return float(self.interval_count)
        if self.interval == "year":
            return 12.0 * self.interval_count
        if self.interval == "week":
            return self.interval_count * 12.0 / 52.0
        return self.interval_count * 12.0 / 365.0


def local_amount(usd_cents: int, currency: str) -> int:
    """A round catalogue price in the other currency (to the whole unit)."""
    return int(round(usd_cents * CURRENCY_FACTOR[currency] / 100.0)) * 100


class PriceCatalogue:
    def __init__(self) -> None:
        self.prices: dict[str, Price] = {}
        for product, (name, _rank, plans) in PRODUCTS.items():
            for plan, (interval, count, usd) in plans.items():
                for currency in CURRENCIES:
                    price_id = f"price_{product}_{plan}_{currency.lower()}"
                    self.prices[price_id] = Price(
                        price_id,
                        product,
                        name,
                        plan,
                        interval,
                        count,
                        local_amount(usd, currency),
                        currency,
                        True,
                    )
        self.prices[LEGACY_PRICE_ID] = Price(
            LEGACY_PRICE_ID,
            "starter",
            "Starter",
            "m1",
            "month",
            1,
            2500,
            "USD",
            False,
        )

    def get(self, product: str, plan: str, currency: str, when: datetime | None = None) -> Price:
        if (
            (product, plan, currency) == ("starter", "m1", "USD")
            and when is not None
            and when < LEGACY_UNTIL
        ):
            return self.prices[LEGACY_PRICE_ID]
        return self.prices[f"price_{product}_{plan}_{currency.lower()}"]

    def row(self, price: Price, fmt: RawFormatter, *, is_active: bool | None = None) -> Row:
        return {
            "price_id": price.price_id,
            "product_id": price.product_id,
            "product_name": price.product_name,
            "nickname": price.nickname,
            "billing_interval": price.interval,
            "interval_count": str(price.interval_count),
            "unit_amount": str(price.unit_amount),
            "currency": fmt.currency(price.currency, lower_share=0.9),
            "is_active": fmt.boolean(price.is_active if is_active is None else is_active),
        }

    def write(self, sink: Sink, fmt: RawFormatter) -> None:
        for price_id in sorted(self.prices):
            price = self.prices[price_id]
            if price_id == LEGACY_PRICE_ID:
                # duplicate load: first exported while still active, later archived (last wins)
                sink.write("billing/prices", self.row(price, fmt, is_active=True))
            sink.write("billing/prices", self.row(price, fmt))


# --------------------------------------------------------------------------- fx rates

# currency -> (starting rate, lowest, highest), USD per unit
FX_START: dict[str, tuple[float, float, float]] = {
    "EUR": (1.068, 1.05, 1.12),
    "GBP": (1.238, 1.22, 1.32),
    "CAD": (0.738, 0.72, 0.76),
}


@dataclass
class FxTable:
    """Monthly rates (micro-dollars per unit) from the first to the last month, inclusive."""

    rates: dict[str, list[tuple[date, int]]]

    @classmethod
    def build(cls, rng: random.Random, first_month: date, last_month: date) -> FxTable:
        rates: dict[str, list[tuple[date, int]]] = {}
        for currency in sorted(FX_START):
            level, low, high = FX_START[currency]
            month = first_month
            series: list[tuple[date, int]] = []
            while month <= last_month:
                series.append((month, int(round(level * 1_000_000))))
                level = min(max(level * (1 + rng.gauss(0.0, 0.011)), low), high)
                month = add_month_to_date(month, 1)
            rates[currency] = series
        return cls(rates)

    def to_usd(self, currency: str, when: date) -> float:
        if currency == "USD":
            return 1.0
        chosen = self.rates[currency][0][1]
        for rate_date, micro in self.rates[currency]:
            if rate_date <= when:
                chosen = micro
            else:
                break
        return chosen / 1_000_000

    def write(self, sink: Sink, fmt: RawFormatter) -> None:
        for currency in sorted(self.rates):
            for index, (rate_date, micro) in enumerate(self.rates[currency]):
                if currency == "GBP" and index == 6:
                    # a corrected rate: first loaded with a typo, then re-loaded (last row wins)
                    sink.write(
                        "finance/fx_rates",
                        {
                            "rate_date": rate_date.isoformat(),
                            "currency": currency,
                            "rate_to_usd": fmt.rate(micro + 100_000),
                        },
                    )
                sink.write(
                    "finance/fx_rates",
                    {
                        "rate_date": rate_date.isoformat(),
                        "currency": currency,
                        "rate_to_usd": fmt.rate(micro),
                    },
                )


CANADA_CURRENCY = Weights([("CAD", 0.75), ("USD", 0.25)])
EURO_COUNTRIES = frozenset(("DE", "FR", "NL", "IE", "ES", "SE", "BE"))


def country_currency(rng: random.Random, country: str) -> str:
    if country in EURO_COUNTRIES:
        return "EUR"
    if country == "GB":
        return "GBP"
    if country == "CA":
        return CANADA_CURRENCY.draw(rng)
    return "USD"
