"""Go-to-market expenses, one booking per row, month by month."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from generator.common import (
    IdSequence,
    RawFormatter,
    Sink,
    add_month_to_date,
    chance,
    days_in_month,
)


@dataclass(frozen=True)
class Booking:
    incurred_on: date
    department: str
    category: str
    channel: str | None
    amount_cents: int
    currency: str = "USD"


def _day(month: date, day: int) -> date:
    return date(month.year, month.month, min(day, days_in_month(month.year, month.month)))


def _noisy(rng: random.Random, base: float, spread: float = 0.1) -> int:
    """Major units -> cents with a bit of noise."""
    return int(round(base * rng.uniform(1 - spread, 1 + spread) * 100))


def month_bookings(
    rng: random.Random, month: date, index: int, months: int, new_acv_usd_cents: int
) -> list[Booking]:
    growth = 0.55 + 1.75 * index / max(1, months - 1)  # the team grows with the business
    last = days_in_month(month.year, month.month)
    rows: list[Booking] = [
        # attributable marketing spend
        Booking(
            _day(month, last),
            "marketing",
            "advertising",
            "paid_search",
            _noisy(rng, 15500 * growth),
        ),
        Booking(
            _day(month, last),
            "marketing",
            "advertising",
            "paid_search",
            _noisy(rng, 1800 * growth, 0.3),
        ),
        Booking(
            _day(month, last), "marketing", "advertising", "paid_social", _noisy(rng, 8500 * growth)
        ),
        Booking(
            _day(month, last),
            "marketing",
            "advertising",
            "paid_social",
            _noisy(rng, 2600 * growth),
            "EUR",
        ),
        Booking(
            _day(month, 15), "marketing", "commissions", "partner", _noisy(rng, 2200 * growth, 0.3)
        ),
        Booking(_day(month, 20), "marketing", "other", "referral", _noisy(rng, 900 * growth, 0.4)),
        # not attributable to one channel
        Booking(_day(month, 10), "marketing", "content", None, _noisy(rng, 5200 * growth)),
        Booking(_day(month, 25), "marketing", "salaries", None, _noisy(rng, 36000 * growth, 0.03)),
        Booking(_day(month, 25), "marketing", "salaries", None, _noisy(rng, 5200, 0.02), "GBP"),
        Booking(_day(month, 3), "marketing", "tools", None, _noisy(rng, 3400, 0.05)),
        Booking(_day(month, 25), "sales", "salaries", None, _noisy(rng, 52000 * growth, 0.03)),
        Booking(
            _day(month, 25), "sales", "salaries", None, _noisy(rng, 8800 * growth, 0.02), "GBP"
        ),
        Booking(_day(month, 5), "sales", "tools", None, _noisy(rng, 4100, 0.05)),
        Booking(_day(month, 5), "sales", "tools", "outbound", _noisy(rng, 1500, 0.05)),
    ]
    commission = int(new_acv_usd_cents * 0.08)
    if commission > 0:
        rows.append(Booking(_day(month, last), "sales", "commissions", None, commission))
    if index % 3 == 1:  # a trade show every quarter, every other one in Europe
        currency = "EUR" if index % 6 == 1 else "USD"
        rows.append(
            Booking(
                _day(month, rng.randint(8, 22)),
                "marketing",
                "events",
                "events",
                _noisy(rng, 24000 * growth, 0.25),
                currency,
            )
        )
    if chance(rng, 0.15):  # a correction: an ad network credit note
        rows.append(
            Booking(
                _day(month, rng.randint(1, 28)),
                "marketing",
                "advertising",
                rng.choice(("paid_search", "paid_social")),
                -_noisy(rng, 1200, 0.5),
            )
        )
    if index % 6 == 2:  # spend that is not acquisition cost
        rows.append(Booking(_day(month, 12), "engineering", "tools", None, _noisy(rng, 9500, 0.1)))
        rows.append(Booking(_day(month, 18), "g_and_a", "other", None, _noisy(rng, 4300, 0.2)))
    return rows


def write_expenses(
    sink: Sink,
    fmt: RawFormatter,
    rng: random.Random,
    ids: IdSequence,
    first_month: date,
    months: int,
    acv_by_month: dict[date, int],
) -> None:
    for index in range(months):
        month = add_month_to_date(first_month, index)
        for booking in month_bookings(rng, month, index, months, acv_by_month.get(month, 0)):
            sink.write(
                "finance/expenses",
                {
                    "expense_id": f"exp_{ids.next('expense'):06d}",
                    "incurred_on": booking.incurred_on.isoformat(),
                    "department": booking.department,
                    "category": booking.category,
                    "channel": fmt.text(booking.channel),
                    "amount": fmt.major(booking.amount_cents),
                    "currency": booking.currency,
                },
            )
