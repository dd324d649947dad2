"""Billing records (Stripe-like): customers, subscriptions, invoices, line items, refunds.

A subscription is simulated period by period from its start to the end of the data
("now"); each billing period issues an invoice whose rows are written at once.
Money is integer minor units. Invoice totals: total = subtotal - discount_total + tax,
subtotal = sum of line amounts, discount_total = sum of line discounts.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from generator.catalogue import TIERS, Price, PriceCatalogue
from generator.common import (
    IdSequence,
    RawFormatter,
    Sink,
    Values,
    Weights,
    add_months,
    between,
    div_round,
    jitter,
    lognormal_days,
    seconds,
)

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
FIVE_SECONDS = timedelta(seconds=5)
REFUND_STATUS = Weights([("succeeded", 0.93), ("failed", 0.06), ("canceled", 0.01)])
CHANGE_KIND = Weights(
    [("seats_up", 0.55), ("tier_up", 0.15), ("seats_down", 0.22), ("tier_down", 0.08)]
)
REACTIVATION_PLAN = Weights([("m1", 0.8), ("y1", 0.2)])
REFUND_SHARES = (10, 20, 25, 50)


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True, slots=True)
class Coupon:
    code: str
    percent: int
    periods: int | None  # None = forever


@dataclass(slots=True)
class BillingCustomer:
    customer_id: str
    company_id: str | None
    name: str
    email: str | None
    country: str
    currency: str
    tax_bps: int
    pays_by_invoice: bool
    created_at: datetime
    livemode: bool = True
    is_deleted: bool = False


@dataclass(slots=True)
class SubSpec:
    price: Price
    seats: int
    start: datetime
    created_at: datetime | None = None
    trial_days: int = 0
    trial_converts: bool = True
    coupon: Coupon | None = None
    churn_per_month: float = 0.02
    change_per_month: float = 0.04
    allow_tier_change: bool = True
    forced_cancel_at: datetime | None = None  # cancel at period end, requested at that instant
    switch_after_periods: int | None = None  # cancel at the end of that period (plan switch)
    fail_from: datetime | None = None  # invoices created from then on fail for good
    onboarding_fee: int = 0  # one-off line on the first invoice, minor units
    no_random_events: bool = False


@dataclass(slots=True)
class CustomerPlan:
    main: SubSpec
    addon_after_days: int | None = None
    addon_seats: int = 1
    reactivation_after_days: int | None = None
    onboarding_manual_fee: int = 0
    services_fee: int = 0
    deleted_if_churned: bool = False


# --------------------------------------------------------------------------- outputs


@dataclass(slots=True)
class Change:
    at: datetime
    old_mrr: int  # list-price MRR in minor units before the change
    new_mrr: int
    kind: str


@dataclass(slots=True)
class Renewal:
    at: datetime  # the period end that was (or is to be) renewed
    renewed: bool | None  # None: still undecided at the end of the data
    decided_at: datetime | None
    annual_value: int


@dataclass(slots=True)
class SubOutcome:
    subscription_id: str
    start: datetime
    price: Price
    seats: int
    status: str = "active"
    first_paid_at: datetime | None = None
    canceled_at: datetime | None = None
    ended_at: datetime | None = None
    end_reason: str | None = None
    initial_mrr: int = 0
    changes: list[Change] = field(default_factory=list)
    renewals: list[Renewal] = field(default_factory=list)


@dataclass(slots=True)
class CustomerOutcome:
    customer: BillingCustomer
    subscriptions: list[SubOutcome]
    reactivated_at: datetime | None = None

    @property
    def first_paid_at(self) -> datetime | None:
        paid = [sub.first_paid_at for sub in self.subscriptions if sub.first_paid_at]
        return min(paid) if paid else None


@dataclass(slots=True)
class LineDraft:
    subscription_id: str | None
    price: Price | None
    line_type: str
    is_proration: bool
    quantity: int
    amount: int
    discount: int
    period_start: datetime
    period_end: datetime
    description: str


@dataclass(slots=True)
class Settlement:
    status: str  # the status at the end of the data
    paid_at: datetime | None
    uncollectible_at: datetime | None = None  # dunning gave up (may lie after now)
    past_due: bool = False  # a failed payment still being retried at the end of the data
    was_open: bool = False  # was finalized and unpaid for a while before being paid


@dataclass(slots=True)
class IssuedInvoice:
    invoice_id: str
    currency: str
    total: int
    settlement: Settlement


# --------------------------------------------------------------------------- helpers


def period_bounds(anchor: datetime, price: Price, index: int) -> tuple[datetime, datetime]:
    if price.interval == "week":
        step = timedelta(weeks=price.interval_count)
        return anchor + step * index, anchor + step * (index + 1)
    months = price.interval_count * (12 if price.interval == "year" else 1)
    # the previous call's end is this period's start (add_months is the costly part)
    shift = months * index
    if _LAST_END[0] is anchor and _LAST_END[1] == shift:
        start = _LAST_END[2]
    else:
        start = add_months(anchor, shift)
    end = add_months(anchor, shift + months)
    _LAST_END[:] = (anchor, shift + months, end)
    return start, end


# (anchor, months after it, the instant): the end of the last period computed
_LAST_END: list[Any] = [None, 0, None]


def monthly_value(price: Price, seats: int) -> int:
    return int(round(price.unit_amount * seats / price.months))


# description text by (price id, seats): the same few hundred texts over and over
_DESCRIPTIONS: dict[tuple[str, int], str] = {}


def line_description(price: Price, seats: int) -> str:
    key = (price.price_id, seats)
    text = _DESCRIPTIONS.get(key)
    if text is None:
        every = {"month": "month", "year": "year", "week": "week"}[price.interval]
        if price.interval_count > 1:
            every = f"{price.interval_count} {every}s"
        unit = RawFormatter.major(price.unit_amount)
        text = f"{seats} x {price.product_name} (at {unit} {price.currency} / {every})"
        _DESCRIPTIONS[key] = text
    return text


# --------------------------------------------------------------------------- engine


class BillingEngine:
    """Simulates customers and streams their billing rows to the sink."""

    def __init__(
        self,
        rng: random.Random,
        fmt: RawFormatter,
        sink: Sink,
        ids: IdSequence,
        catalogue: PriceCatalogue,
        now: datetime,
    ) -> None:
        self.rng = rng
        self.fmt = fmt
        self.sink = sink
        self.ids = ids
        self.catalogue = catalogue
        self.now = now
        # a few ids remembered for the deliberately broken rows (small, bounded)
        self.samples: dict[str, str] = {}
        # hot paths append row tuples (contract column order) straight to the sink's buffers
        self._invoices = sink.rows("billing/invoices").append
        self._lines = sink.rows("billing/invoice_line_items").append
        self._refunds = sink.rows("billing/refunds").append
        self._subscriptions = sink.rows("billing/subscriptions").append
        self._customers = sink.rows("billing/customers").append

    # ----------------------------------------------------------------- invoices

    def _settle(
        self,
        customer: BillingCustomer,
        created: datetime,
        total: int,
        reason: str,
        fail: str | None,
        period: timedelta,
    ) -> Settlement:
        """fail: None, "recover" (paid after retries) or "give_up" (uncollectible)."""
        rng, now = self.rng, self.now
        if reason == "subscription_cycle" and created > now - HOUR:
            return Settlement("draft", None)  # Stripe finalizes cycle invoices after ~1 hour
        finalize = HOUR if reason == "subscription_cycle" else FIVE_SECONDS
        if total <= 0:
            return Settlement("paid", created + finalize)
        if fail == "give_up":
            give_up = created + min(timedelta(days=21), period - DAY)
            if give_up <= now:
                return Settlement("uncollectible", None, uncollectible_at=give_up)
            return Settlement("open", None, uncollectible_at=give_up, past_due=True)
        if fail == "recover":
            paid_at = jitter(
                rng, created, 2 * 86400, max(2 * 86400, min(9 * 86400, seconds(period) - 2 * 86400))
            )
            if paid_at <= now:
                return Settlement("paid", paid_at, was_open=True)
            return Settlement("open", None, past_due=True)
        if customer.pays_by_invoice:
            paid_at = created + finalize + lognormal_days(rng, 12, 0.6, 2, 45)
            if paid_at <= now:
                return Settlement("paid", paid_at, was_open=True)
            return Settlement("open", None)
        paid_at = jitter(rng, created + finalize, 1, 600)
        if paid_at <= now:
            return Settlement("paid", paid_at)
        return Settlement("open", None)

    def issue(
        self,
        customer: BillingCustomer,
        subscription_id: str | None,
        reason: str,
        created: datetime,
        period_start: datetime,
        period_end: datetime,
        lines: list[LineDraft],
        *,
        fail: str | None = None,
        force_status: str | None = None,
        period: timedelta = timedelta(days=30),
    ) -> IssuedInvoice:
        fmt = self.fmt
        rng = self.rng
        invoice_id = "in_" + str(self.ids.next("invoice")).zfill(7)
        subtotal = discount_total = 0
        for line in lines:
            subtotal += line.amount
            discount_total += line.discount
        tax = (2 * (subtotal - discount_total) * customer.tax_bps + 10_000) // 20_000  # div_round
        total = subtotal - discount_total + tax
        if force_status is not None:
            settlement = Settlement(force_status, None)
        else:
            settlement = self._settle(customer, created, total, reason, fail, period)
        currency = fmt.currency(customer.currency, lower_share=0.9)
        customer_id = customer.customer_id
        sub_text = subscription_id or ""
        ts = fmt.ts
        subtotal_text, discount_text = str(subtotal), str(discount_total)
        tax_text, total_text = str(tax), str(total)
        status = settlement.status
        # rows built inline (no per-invoice closure); the formatter draws in column order
        if status == "paid" and settlement.was_open and rng.random() < 0.15:
            # duplicate load: exported while open, exported again once paid (last row wins)
            self._invoices(
                (
                    invoice_id,
                    customer_id,
                    sub_text,
                    "open",
                    reason,
                    currency,
                    ts(created),
                    ts(period_start),
                    ts(period_end),
                    subtotal_text,
                    discount_text,
                    tax_text,
                    total_text,
                    "0",
                    "",
                )
            )
            self.samples.setdefault("open_then_paid_invoice", invoice_id)
        paid = status == "paid"
        self._invoices(
            (
                invoice_id,
                customer_id,
                sub_text,
                status,
                reason,
                currency,
                ts(created),
                ts(period_start),
                ts(period_end),
                subtotal_text,
                discount_text,
                tax_text,
                total_text,
                (str(total) if total > 0 else "0") if paid else "0",
                ts(settlement.paid_at) if paid else "",
            )
        )
        next_id, boolean, append_line, random_ = self.ids.next, fmt.boolean, self._lines, rng.random
        for line in lines:
            price = line.price
            row = (
                "il_" + str(next_id("line")).zfill(8),
                invoice_id,
                line.subscription_id or "",
                price.price_id if price else "",
                line.line_type,
                boolean(line.is_proration),
                str(line.quantity),
                str(line.amount),
                str(line.discount),
                ts(line.period_start),
                ts(line.period_end),
                line.description,
            )
            append_line(row)
            if random_() < 0.002:
                append_line(row)  # exact duplicate load
                self.samples.setdefault("duplicated_line", row[0])
        if status == "paid" and total > 0 and customer.livemode:
            if "paid_invoice" not in self.samples:
                self.samples["paid_invoice"] = invoice_id
                self.samples["paid_invoice_customer"] = customer.customer_id
                self.samples["paid_invoice_currency"] = customer.currency
            if rng.random() < 0.009:
                share = rng.choice(REFUND_SHARES)
                at = jitter(rng, settlement.paid_at or created, 86400, 40 * 86400)
                self.refund(
                    invoice_id,
                    customer.currency,
                    div_round(total * share, 100),
                    at,
                    "requested_by_customer",
                )
            elif rng.random() < 0.001:
                at = jitter(rng, settlement.paid_at or created, 3600, 5 * 86400)
                self.refund(invoice_id, customer.currency, total, at, "duplicate")
        return IssuedInvoice(invoice_id, customer.currency, total, settlement)

    def refund(
        self, invoice_id: str, currency: str, amount: int, at: datetime, reason: str
    ) -> str | None:
        rng, fmt, now = self.rng, self.fmt, self.now
        if at > now or amount <= 0:
            return None
        refund_id = "re_" + str(self.ids.next("refund")).zfill(6)
        if now - at < timedelta(days=4) and rng.random() < 0.7:
            status = "pending"
        else:
            status = REFUND_STATUS.draw(rng)

        def row(state: str) -> Values:
            return (
                invoice_id,
                str(amount),
                fmt.currency(currency, lower_share=0.9),
                state,
                fmt.ts(at),
                reason,
            )

        if status == "succeeded" and rng.random() < 0.1:
            self._refunds((refund_id, *row("pending")))  # earlier load while pending
        self._refunds((refund_id, *row(status)))
        self.samples.setdefault(f"refund_{status}", refund_id)
        return refund_id

    def manual_invoice(
        self, customer: BillingCustomer, at: datetime, amount: int, description: str
    ) -> IssuedInvoice | None:
        if at > self.now:
            return None
        line = LineDraft(None, None, "invoiceitem", False, 1, amount, 0, at, at, description)
        return self.issue(customer, None, "manual", at, at, at, [line])

    # ----------------------------------------------------------------- subscriptions

    def _draw_change(
        self, price: Price, seats: int, spec: SubSpec, when: datetime
    ) -> tuple[Price, int, str]:
        rng = self.rng
        kind = CHANGE_KIND.draw(rng)
        if not spec.allow_tier_change or price.product not in TIERS:
            kind = "seats_up" if kind in ("seats_up", "tier_up") else "seats_down"
        if kind in ("tier_up", "tier_down"):
            rank = TIERS.index(price.product) + (1 if kind == "tier_up" else -1)
            if 0 <= rank < len(TIERS):
                return (
                    self.catalogue.get(TIERS[rank], price.plan, price.currency, when),
                    seats,
                    kind,
                )
            kind = "seats_up" if kind == "tier_up" else "seats_down"
        if kind == "seats_up":
            return price, seats + max(1, round(seats * rng.uniform(0.1, 0.6))), kind
        return price, max(1, seats - max(1, round(seats * rng.uniform(0.1, 0.4)))), kind

    def _prorate(
        self,
        customer: BillingCustomer,
        sub_id: str,
        old: Price,
        old_seats: int,
        new: Price,
        new_seats: int,
        at: datetime,
        period_start: datetime,
        period_end: datetime,
        percent: int,
    ) -> None:
        total = seconds(period_end - period_start)
        remaining = seconds(period_end - at)
        credit = div_round(old.unit_amount * old_seats * remaining, total)
        charge = div_round(new.unit_amount * new_seats * remaining, total)
        day = at.strftime("%d %b %Y")
        lines = [
            LineDraft(
                sub_id,
                old,
                "subscription",
                True,
                old_seats,
                -credit,
                0,
                at,
                period_end,
                f"Unused time on {old_seats} x {old.product_name} after {day}",
            ),
            LineDraft(
                sub_id,
                new,
                "subscription",
                True,
                new_seats,
                charge,
                div_round(charge * percent, 100),
                at,
                period_end,
                f"Remaining time on {new_seats} x {new.product_name} after {day}",
            ),
        ]
        self.issue(customer, sub_id, "subscription_update", at, at, period_end, lines)

    def run_subscription(self, customer: BillingCustomer, spec: SubSpec) -> SubOutcome:
        rng, now = self.rng, self.now
        sub_id = "sub_" + str(self.ids.next("subscription")).zfill(6)
        price, seats = spec.price, spec.seats
        out = SubOutcome(sub_id, spec.start, price, seats, initial_mrr=monthly_value(price, seats))
        created = spec.created_at or spec.start
        trial_start: datetime | None = None
        trial_end: datetime | None = None
        cancel_at_period_end = False
        past_due = False
        period: tuple[datetime, datetime] = (spec.start, spec.start)
        first_reason = "subscription_create"
        anchor = spec.start
        running = True

        if spec.trial_days:
            trial_start, trial_end = spec.start, spec.start + timedelta(days=spec.trial_days)
            trial_line = LineDraft(
                sub_id,
                price,
                "subscription",
                False,
                seats,
                0,
                0,
                trial_start,
                trial_end,
                f"Trial period for {price.product_name}",
            )
            self.issue(
                customer,
                sub_id,
                "subscription_create",
                trial_start,
                trial_start,
                trial_end,
                [trial_line],
            )
            period = (trial_start, trial_end)
            if not spec.trial_converts:
                requested = between(rng, trial_start + HOUR, trial_end - HOUR)
                if requested <= now:
                    cancel_at_period_end, out.canceled_at = True, requested
                    out.end_reason = "trial_not_converted"
                    if trial_end <= now:
                        out.ended_at = trial_end
                running = False
            if trial_end > now:
                running = False
            anchor, first_reason = trial_end, "subscription_cycle"

        coupon_periods_used = 0
        index = 0
        while running:
            start, end = period_bounds(anchor, price, index)
            if start > now:
                break  # the next invoice is not issued yet
            if index > 0 and price.interval == "year" and not spec.no_random_events:
                out.renewals.append(Renewal(start, True, start, price.unit_amount * seats))
                if rng.random() < 0.25:  # true-up of seats at the yearly renewal, no proration
                    new_seats = max(1, seats + rng.choice((-3, -2, -1, 1, 2, 3, 5, 8)))
                    out.changes.append(
                        Change(
                            start,
                            monthly_value(price, seats),
                            monthly_value(price, new_seats),
                            "renewal_true_up",
                        )
                    )
                    seats = new_seats
            percent = 0
            if spec.coupon and (
                spec.coupon.periods is None or coupon_periods_used < spec.coupon.periods
            ):
                percent = spec.coupon.percent
                coupon_periods_used += 1
            amount = price.unit_amount * seats
            lines = [
                LineDraft(
                    sub_id,
                    price,
                    "subscription",
                    False,
                    seats,
                    amount,
                    div_round(amount * percent, 100),
                    start,
                    end,
                    line_description(price, seats),
                )
            ]
            reason = first_reason if index == 0 else "subscription_cycle"
            if index == 0 and spec.onboarding_fee:
                lines.append(
                    LineDraft(
                        None,
                        None,
                        "invoiceitem",
                        False,
                        1,
                        spec.onboarding_fee,
                        0,
                        start,
                        start,
                        "Onboarding package (one-off)",
                    )
                )
            fail: str | None = None
            if spec.fail_from is not None and start >= spec.fail_from:
                fail = "give_up"
            elif not spec.no_random_events and rng.random() < (
                0.006 if customer.pays_by_invoice else 0.013
            ):
                fail = "recover" if rng.random() < 0.6 else "give_up"
            created_at = start
            if (
                reason == "subscription_cycle"
                and not spec.no_random_events
                and fail is None
                and start < now - 2 * DAY
                and rng.random() < 0.003
            ):
                # a mistaken invoice (wrong seat count) voided and re-issued a few hours later
                wrong = replace(lines[0], quantity=seats + rng.randint(1, 5))
                wrong.amount = price.unit_amount * wrong.quantity
                wrong.discount = div_round(wrong.amount * percent, 100)
                wrong.description = line_description(price, wrong.quantity)
                voided = self.issue(
                    customer, sub_id, reason, start, start, end, [wrong], force_status="void"
                )
                self.samples.setdefault("void_invoice", voided.invoice_id)
                created_at = jitter(rng, start, 2 * 3600, 20 * 3600)
            issued = self.issue(
                customer,
                sub_id,
                reason,
                created_at,
                start,
                end,
                lines,
                fail=fail,
                period=end - start,
            )
            period = (start, end)
            settlement = issued.settlement
            if (
                out.first_paid_at is None
                and settlement.status in ("paid", "open")
                and lines[0].amount - lines[0].discount > 0
            ):
                out.first_paid_at = start
            if settlement.uncollectible_at is not None:
                if settlement.uncollectible_at <= now:
                    out.canceled_at = out.ended_at = settlement.uncollectible_at
                    out.end_reason = "nonpayment"
                else:
                    past_due = True
                break
            past_due = past_due or settlement.past_due
            if self._period_event(
                customer, spec, out, issued, index, start, end, percent, seats, price
            ):
                cancel_at_period_end = out.end_reason in ("canceled", "switch")
                break
            price, seats = out.price, out.seats
            index += 1

        if (
            price.interval == "year"
            and out.ended_at is None
            and out.first_paid_at
            and not spec.no_random_events
        ):
            if cancel_at_period_end and out.canceled_at:
                out.renewals.append(
                    Renewal(period[1], False, out.canceled_at, price.unit_amount * seats)
                )
            elif period[1] - now < timedelta(days=60):
                out.renewals.append(Renewal(period[1], None, None, price.unit_amount * seats))
        elif price.interval == "year" and out.end_reason == "canceled" and out.canceled_at:
            out.renewals.append(
                Renewal(period[1], False, out.canceled_at, price.unit_amount * seats)
            )
        out.status = self._status(out, trial_end, past_due)
        self._write_subscription(
            customer, out, created, trial_start, trial_end, cancel_at_period_end, period
        )
        return out

    def _period_event(
        self,
        customer: BillingCustomer,
        spec: SubSpec,
        out: SubOutcome,
        issued: IssuedInvoice,
        index: int,
        start: datetime,
        end: datetime,
        percent: int,
        seats: int,
        price: Price,
    ) -> bool:
        """Draws what happens during one billing period; True when the subscription stops."""
        rng, now = self.rng, self.now
        out.price, out.seats = price, seats
        forced = (
            spec.forced_cancel_at
            if spec.forced_cancel_at and start <= spec.forced_cancel_at < end
            else None
        )
        switching = spec.switch_after_periods is not None and index == spec.switch_after_periods
        if forced is not None or switching:
            requested = forced or between(rng, start + DAY, end - DAY)
            if requested > now:
                return False
            out.canceled_at, out.end_reason = requested, ("switch" if switching else "canceled")
            out.ended_at = end if end <= now else None
            return True
        if spec.no_random_events:
            return False
        months = price.months
        p_churn = 1 - (1 - spec.churn_per_month) ** months
        p_change = 1 - (1 - spec.change_per_month) ** months
        roll = rng.random()
        if roll < p_churn:
            requested = between(rng, start + HOUR, end - HOUR)
            if requested > now:
                return False
            out.canceled_at = requested
            if rng.random() < 0.15:
                out.ended_at, out.end_reason = requested, "canceled_immediately"
                if (
                    issued.settlement.status == "paid"
                    and requested - start < timedelta(days=10)
                    and rng.random() < 0.6
                ):
                    refund = self.refund(
                        issued.invoice_id,
                        issued.currency,
                        issued.total,
                        jitter(rng, requested, 600, 86400),
                        "requested_by_customer",
                    )
                    if refund:
                        self.samples.setdefault("full_refund", refund)
            else:
                out.end_reason = "canceled"
                out.ended_at = end if end <= now else None
            return True
        if roll < p_churn + p_change and price.interval != "week":
            at = between(rng, start + DAY, end - DAY)
            if at <= now:
                new_price, new_seats, kind = self._draw_change(price, seats, spec, at)
                if (new_price.price_id, new_seats) != (price.price_id, seats):
                    self._prorate(
                        customer,
                        out.subscription_id,
                        price,
                        seats,
                        new_price,
                        new_seats,
                        at,
                        start,
                        end,
                        percent,
                    )
                    out.changes.append(
                        Change(
                            at,
                            monthly_value(price, seats),
                            monthly_value(new_price, new_seats),
                            kind,
                        )
                    )
                    out.price, out.seats = new_price, new_seats
        return False

    def _status(self, out: SubOutcome, trial_end: datetime | None, past_due: bool) -> str:
        if out.ended_at is not None and out.ended_at <= self.now:
            return "canceled"
        if trial_end is not None and trial_end > self.now:
            return "trialing"
        return "past_due" if past_due else "active"

    def _write_subscription(
        self,
        customer: BillingCustomer,
        out: SubOutcome,
        created: datetime,
        trial_start: datetime | None,
        trial_end: datetime | None,
        cancel_at_period_end: bool,
        period: tuple[datetime, datetime],
    ) -> None:
        fmt = self.fmt
        ts = fmt.ts
        row = (
            out.subscription_id,
            customer.customer_id,
            out.status,
            ts(created),
            ts(out.start),
            ts(trial_start),
            ts(trial_end),
            fmt.boolean(cancel_at_period_end),
            ts(out.canceled_at),
            ts(out.ended_at),
            ts(period[0]),
            ts(period[1]),
        )
        if out.status == "canceled" and out.end_reason == "canceled" and self.rng.random() < 0.02:
            # duplicate load: an export from before the cancellation, then the current one
            stale = (*row[:2], "active", *row[3:7], fmt.boolean(False), "", "", *row[10:])
            self._subscriptions(stale)
            self.samples.setdefault("duplicated_subscription", out.subscription_id)
        self._subscriptions(row)

    # ----------------------------------------------------------------- customers

    def simulate_customer(self, customer: BillingCustomer, plan: CustomerPlan) -> CustomerOutcome:
        rng, now = self.rng, self.now
        main = self.run_subscription(customer, plan.main)
        subs = [main]
        last = main
        if main.end_reason == "switch" and main.ended_at is not None:
            # monthly -> annual: the second subscription starts exactly when the first ends
            annual = self.catalogue.get(
                main.price.product, "y1", main.price.currency, main.ended_at
            )
            spec = SubSpec(
                annual,
                main.seats,
                main.ended_at,
                created_at=main.canceled_at,
                churn_per_month=plan.main.churn_per_month * 0.7,
                change_per_month=plan.main.change_per_month,
            )
            last = self.run_subscription(customer, spec)
            subs.append(last)
            self.samples.setdefault("switch_first", main.subscription_id)
        if plan.addon_after_days is not None:
            addon_start = jitter(rng, main.start + timedelta(days=plan.addon_after_days), 0, 86400)
            stop = main.canceled_at if main.end_reason != "switch" else None
            if addon_start <= now and (stop is None or addon_start < stop - DAY):
                plan_key = "y1" if main.price.interval == "year" else "m1"
                addon_price = self.catalogue.get("analytics", plan_key, main.price.currency)
                addon = SubSpec(
                    addon_price,
                    plan.addon_seats,
                    addon_start,
                    churn_per_month=0.01,
                    change_per_month=0.02,
                    allow_tier_change=False,
                    forced_cancel_at=stop,
                )
                subs.append(self.run_subscription(customer, addon))
        if plan.onboarding_manual_fee:
            self.manual_invoice(
                customer,
                jitter(rng, main.start, 3600, 3 * 86400),
                plan.onboarding_manual_fee,
                "Onboarding and implementation (one-off)",
            )
        if plan.services_fee:
            at = jitter(rng, main.start, 20 * 86400, 300 * 86400)
            if last.ended_at is None or at < last.ended_at:
                self.manual_invoice(customer, at, plan.services_fee, "Custom training session")
        outcome = CustomerOutcome(customer, subs)
        ended = [sub.ended_at for sub in subs]
        if plan.reactivation_after_days is not None and all(ended) and last.first_paid_at:
            restart = jitter(
                rng,
                max(e for e in ended if e) + timedelta(days=plan.reactivation_after_days),
                0,
                86400,
            )
            if restart <= now - DAY:
                plan_key = REACTIVATION_PLAN.draw(rng)
                product = main.price.product if main.price.product in TIERS else "starter"
                price = self.catalogue.get(product, plan_key, main.price.currency, restart)
                spec = SubSpec(
                    price,
                    max(1, main.seats + rng.randint(-2, 2)),
                    restart,
                    churn_per_month=plan.main.churn_per_month,
                    change_per_month=plan.main.change_per_month,
                )
                subs.append(self.run_subscription(customer, spec))
                outcome.reactivated_at = restart
        if plan.deleted_if_churned and all(sub.ended_at for sub in subs):
            customer.is_deleted = True
        self.write_customer(customer)
        return outcome

    def write_customer(self, customer: BillingCustomer) -> None:
        fmt = self.fmt
        row = (
            customer.customer_id,
            customer.email or "",
            customer.name,
            customer.company_id or "",
            customer.country,
            fmt.currency(customer.currency, lower_share=0.85),
            fmt.boolean(customer.livemode),
            fmt.ts(customer.created_at, bare_date_ok=True),
            fmt.boolean(customer.is_deleted),
        )
        if customer.livemode and customer.email and self.rng.random() < 0.005:
            # duplicate load: an earlier export with the old billing e-mail (last row wins)
            self._customers((row[0], f"accounts+old@{customer.email.split('@')[-1]}", *row[2:]))
            self.samples.setdefault("duplicated_customer", customer.customer_id)
        self._customers(row)
