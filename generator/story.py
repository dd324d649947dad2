"""The company story: one CRM company at a time, from first contact to billing.

Each company gets a fate (lead only, lost/open opportunity, sales-led customer or
self-serve customer), a timeline, and its rows are written as soon as they are
generated. Only small catalogues and per-month counters stay in memory.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from generator.billing import (
    BillingCustomer,
    BillingEngine,
    Coupon,
    CustomerOutcome,
    CustomerPlan,
    SubSpec,
)
from generator.catalogue import (
    FxTable,
    Owner,
    OwnerPicker,
    PriceCatalogue,
    country_currency,
    local_amount,
)
from generator.common import (
    SECOND,
    IdSequence,
    RawFormatter,
    Sink,
    Weights,
    add_months,
    div_round,
    jitter,
    lognormal_days,
    lognormvariate,
    month_start,
)
from generator.crm import (
    Company,
    Contact,
    Deal,
    apply_contact_noise,
    make_company,
    make_contact,
    pick_channel,
    raw_lead_source,
    stage_path,
    write_company,
    write_contact,
    write_deal,
)

DAY = timedelta(days=1)
SEVEN_MINUTES = timedelta(minutes=7)
OPEN_DEAL_WINDOW = timedelta(days=240)

FATES: Weights[str] = Weights(
    (
        ("customer_sales", 0.20),
        ("customer_self", 0.065),
        ("opportunity", 0.30),
        ("lead", 0.435),
    )
)
SELF_SERVE_TIER = Weights([("starter", 0.72), ("growth", 0.28)])
SELF_SERVE_PLAN = Weights([("m1", 0.82), ("y1", 0.13), ("w1", 0.05)])
SALES_TIER = Weights([("starter", 0.38), ("growth", 0.46), ("enterprise", 0.16)])
ENTERPRISE_PLAN = Weights([("m1", 0.28), ("m3", 0.07), ("y1", 0.65)])
SALES_PLAN = Weights([("m1", 0.5), ("m3", 0.15), ("y1", 0.35)])
LOST_DEAL_TIER = Weights([("starter", 0.4), ("growth", 0.45), ("enterprise", 0.15)])
EXTRA_CONTACTS: dict[str, Weights[int]] = {
    "customer_sales": Weights([(0, 0.25), (1, 0.35), (2, 0.25), (3, 0.15)]),
    "customer_self": Weights([(0, 0.5), (1, 0.35), (2, 0.15)]),
    "opportunity": Weights([(0, 0.4), (1, 0.4), (2, 0.2)]),
    "lead": Weights([(0, 0.75), (1, 0.25)]),
}
# the sink's buffers are checked (and written out when full) every that many companies
FLUSH_EVERY = 64
CUSTOMER_SHARE = 0.265

# Situations forced on given customer ordinals (fraction of --customers). Everything else
# (upgrades, churn, reactivations, refunds, ...) happens with realistic probabilities.
SCENARIOS: tuple[tuple[float, str], ...] = (
    (0.10, "reopened_deal"),
    (0.30, "full_discount"),
    (0.45, "in_and_out_within_month"),
    (0.55, "switch_monthly_to_annual"),
    (0.965, "cancel_pending_at_end"),
    (0.97, "draft_invoice_at_end"),
    (0.975, "next_invoice_not_issued"),
    (0.98, "trialing_at_end"),
    (0.985, "past_due_at_end"),
)
LATE_SCENARIOS = frozenset(
    {
        "cancel_pending_at_end",
        "draft_invoice_at_end",
        "next_invoice_not_issued",
        "trialing_at_end",
        "past_due_at_end",
    }
)

TAX_BPS: dict[str, int] = {
    "GB": 2000,
    "DE": 1900,
    "FR": 2000,
    "NL": 2100,
    "IE": 2300,
    "ES": 2100,
    "SE": 2500,
    "CA": 1300,
    "AU": 1000,
}
SEATS: dict[str, tuple[float, float, int, int]] = {  # median, sigma, min, max
    "starter": (3, 0.6, 1, 15),
    "growth": (10, 0.6, 3, 60),
    "enterprise": (45, 0.5, 15, 300),
    "flex": (2, 0.5, 1, 8),
}
CHURN: dict[str, float] = {"starter": 0.028, "growth": 0.017, "enterprise": 0.008, "flex": 0.07}
EXPANSION: dict[str, float] = {"starter": 0.03, "growth": 0.045, "enterprise": 0.05, "flex": 0.0}


def company_count(customers: int) -> int:
    """CRM companies simulated for a paying-customer target."""
    return max(12, round(customers / CUSTOMER_SHARE * 1.14))


@dataclass(slots=True)
class Timeline:
    lead: datetime
    mql: datetime | None = None
    sql: datetime | None = None
    opportunity: datetime | None = None
    close: datetime | None = None
    outcome: str | None = None  # won / lost / open / None (no deal)
    start: datetime | None = None  # subscription start for customers


@dataclass(slots=True)
class MonthBookings:
    new_customers: int = 0
    new_acv_usd_cents: int = 0


@dataclass
class Story:
    rng: random.Random
    fmt: RawFormatter
    sink: Sink
    ids: IdSequence
    catalogue: PriceCatalogue
    owners: list[Owner]
    fx: FxTable
    billing: BillingEngine
    start: datetime
    now: datetime
    customers_target: int
    bookings: dict[date, MonthBookings] = field(default_factory=dict)
    examples: dict[str, str] = field(default_factory=dict)
    customer_ordinal: int = 0
    scenario_by_ordinal: dict[int, str] = field(default_factory=dict)
    lead_companies: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.owner_picker = OwnerPicker(self.owners)
        self._span = (self.now - self.start).total_seconds()
        taken: set[int] = set()
        for fraction, name in SCENARIOS:
            ordinal = max(1, round(fraction * self.customers_target * 1.06))
            while ordinal in taken:
                ordinal += 1
            taken.add(ordinal)
            self.scenario_by_ordinal[ordinal] = name

    @property
    def company_count(self) -> int:
        return company_count(self.customers_target)

    # ------------------------------------------------------------------ main loop

    def run(
        self,
        progress: Callable[[int], None] | None = None,
        first: int = 0,
        stop: int | None = None,
        total: int | None = None,
    ) -> None:
        """Companies ``first`` to ``stop`` (excluded) of ``total`` (default: all of
        ``company_count``); ``progress(n)`` is told each time n more are done."""
        total = self.company_count if total is None else total
        stop = total if stop is None else stop
        test_every = max(1, total // 12)
        flush = self.sink.flush_full
        for index in range(first, stop):
            if index % test_every == test_every // 2:
                self.test_mode_customer(index, total)
            self.company(index, total)
            if (index - first) % FLUSH_EVERY == FLUSH_EVERY - 1:
                flush()
                if progress is not None:
                    progress(FLUSH_EVERY)
        if progress is not None:
            progress((stop - first) % FLUSH_EVERY)

    def slot_time(self, index: int, total: int) -> datetime:
        """Company creation times, increasing with the id and growing denser over time."""
        position = ((index + self.rng.random()) / total) ** (1 / 1.35)
        return self.start + SECOND * int(self._span * position)

    def company(self, index: int, total: int) -> None:
        rng = self.rng
        created = self.slot_time(index, total)
        fate = FATES.draw(rng)
        scenario: str | None = None
        if fate.startswith("customer"):
            self.customer_ordinal += 1
            scenario = self.scenario_by_ordinal.get(self.customer_ordinal)
            if scenario:
                fate = "customer_sales"
        timeline = self.timeline(fate, created, scenario)
        created = timeline.lead if timeline.lead < created else created  # min()
        owner = self.owner_picker.pick(rng, "sales", created)
        company = make_company(rng, index + 1, jitter(rng, created, 0, 1800), owner.owner_id)
        channel = pick_channel(rng)
        outcome: CustomerOutcome | None = None
        if timeline.start is not None:
            outcome = self.become_customer(company, timeline, fate == "customer_self", scenario)
        contacts = self.contacts(company, fate, timeline, channel, outcome)
        deals = self.deals(company, timeline, outcome, scenario)
        activity = [c.updated_at for c in contacts if c.updated_at] + [d.updated_at for d in deals]
        last = max([company.created_at, *activity]) + SEVEN_MINUTES
        company.updated_at = last if last < self.now else self.now  # min()
        if fate == "lead" and rng.random() < 0.02:
            company.is_deleted = True
            self.examples.setdefault("soft-deleted company", company.company_id)
        if fate == "lead" and len(self.lead_companies) < 5:
            self.lead_companies.append(company.company_id)
        if write_company(self.sink, self.fmt, rng, company):
            self.examples.setdefault("company loaded twice (stale name)", company.company_id)
        for contact in contacts:
            if write_contact(self.sink, self.fmt, rng, contact):
                self.examples.setdefault("contact loaded twice (stage change)", contact.contact_id)
        for deal in deals:
            if write_deal(self.sink, self.fmt, rng, deal):
                self.examples.setdefault("deal loaded twice", deal.deal_id)
        if scenario:
            target = outcome.customer.customer_id if outcome else company.company_id
            self.examples[scenario] = target

    # ------------------------------------------------------------------ timelines

    def timeline(self, fate: str, created: datetime, scenario: str | None) -> Timeline:
        rng, now = self.rng, self.now
        to_mql = lognormal_days(rng, 4, 0.8, 0.05, 30)
        to_sql = lognormal_days(rng, 7, 0.7, 1, 45)
        to_opp = lognormal_days(rng, 3, 0.8, 0.1, 20)
        cycle = lognormal_days(rng, 38, 0.6, 7, 200)
        to_start = SECOND * rng.randint(3600, 4 * 86400)
        if fate == "customer_self":
            signup = created + lognormal_days(rng, 2, 1.0, 0.01, 30)
            line = Timeline(created, start=signup if signup <= now else None)
            if rng.random() < 0.3:
                line.mql = created + timedelta(seconds=int((signup - created).total_seconds()) // 2)
            return self._clip(line)
        if scenario in LATE_SCENARIOS:
            start = self.scenario_start(scenario)
            created = start - to_start - cycle - to_opp - to_sql - to_mql
        line = Timeline(created, created + to_mql, created + to_mql + to_sql)
        if fate == "lead":
            if rng.random() < 0.55:
                line.mql = None
            if line.mql is None or rng.random() < 0.75:
                line.sql = None
            return self._clip(line)
        line.opportunity = line.sql + to_opp if line.sql else None
        if fate == "customer_sales":
            line.close = line.opportunity + cycle if line.opportunity else None
            line.outcome = "won"
            if line.close and line.close + to_start <= now:
                line.start = line.close + to_start
            if rng.random() < 0.08:
                line.mql = None  # skipped stage
        else:
            line.close = (
                line.opportunity + lognormal_days(rng, 30, 0.7, 3, 200)
                if line.opportunity
                else None
            )
            line.outcome = "lost"
            if (
                line.opportunity
                and line.opportunity > now - OPEN_DEAL_WINDOW
                and rng.random() < 0.15
            ):
                line.close, line.outcome = None, "open"
        if scenario == "in_and_out_within_month" and line.start:
            # starts on the 2nd of the next month, so that two weekly periods fit in one month
            line.start = add_months(line.start.replace(day=2, hour=9, minute=0, second=0), 1)
        return self._clip(line)

    def _clip(self, line: Timeline) -> Timeline:
        """Drops whatever lies after the end of the data (an open deal stays open)."""
        now = self.now
        if line.mql and line.mql > now:
            line.mql = None
        if line.sql and line.sql > now:
            line.sql = None
        if line.opportunity and line.opportunity > now:
            line.opportunity, line.close, line.outcome = None, None, None
        if line.close and line.close > now:
            line.close, line.outcome = None, "open"
        if line.start and line.start > now:
            line.start = None
        return line

    def scenario_start(self, scenario: str) -> datetime:
        today = self.now.replace(hour=0, minute=0, second=0)
        if scenario == "draft_invoice_at_end":
            # the cycle invoice due 40 minutes before the end of the data is still a draft
            return add_months(self.now - timedelta(minutes=40), -3)
        if scenario == "next_invoice_not_issued":
            return add_months(today + timedelta(hours=self.now.hour + 6), -4)
        if scenario == "trialing_at_end":
            return self.now - timedelta(days=6, hours=2)
        if scenario == "past_due_at_end":
            return add_months(today - timedelta(days=10) + timedelta(hours=10), -6)
        return add_months(today - timedelta(days=12) + timedelta(hours=14), -8)  # cancel pending

    # ------------------------------------------------------------------ billing

    def become_customer(
        self, company: Company, line: Timeline, self_serve: bool, scenario: str | None
    ) -> CustomerOutcome | None:
        rng = self.rng
        assert line.start is not None
        currency = country_currency(rng, company.country)
        tax = TAX_BPS.get(company.country, 0)
        if company.country in ("DE", "FR", "NL", "IE", "ES", "SE") and rng.random() < 0.4:
            tax = 0  # reverse charge
        if company.country == "US" and rng.random() < 0.3:
            tax = rng.choice((600, 725, 825, 950))
        if company.country == "CA" and currency == "USD":
            tax = 0
        linked = not rng.random() < (0.15 if self_serve else 0.02)
        plan, tier = self.draw_plan(self_serve, currency, line.start, scenario)
        customer = BillingCustomer(
            customer_id="cus_" + str(self.ids.next("customer")).zfill(6),
            company_id=company.company_id if linked else None,
            name=company.name,
            email=f"billing@{company.domain}" if not rng.random() < 0.03 else None,
            country=company.country,
            currency=currency,
            tax_bps=tax,
            pays_by_invoice=(tier == "enterprise" and rng.random() < 0.8)
            or (plan.main.price.interval == "year" and rng.random() < 0.35)
            or rng.random() < 0.03,
            created_at=line.start - SECOND * rng.randint(30, 900),
        )
        if scenario in LATE_SCENARIOS or scenario == "in_and_out_within_month":
            customer.pays_by_invoice = False
        if not linked:
            self.examples.setdefault("billing customer without CRM link", customer.customer_id)
        outcome = self.billing.simulate_customer(customer, plan)
        self.record_booking(outcome)
        return outcome

    def draw_plan(
        self, self_serve: bool, currency: str, start: datetime, scenario: str | None
    ) -> tuple[CustomerPlan, str]:
        rng = self.rng
        if self_serve:
            tier = SELF_SERVE_TIER.draw(rng)
            plan_key = SELF_SERVE_PLAN.draw(rng)
        else:
            tier = SALES_TIER.draw(rng)
            plan = ENTERPRISE_PLAN if tier == "enterprise" else SALES_PLAN
            plan_key = plan.draw(rng)
        if scenario == "in_and_out_within_month":
            plan_key = "w1"
        elif scenario:
            tier, plan_key = "growth", "m1"
        product = "flex" if plan_key == "w1" else tier
        median, sigma, low, high = SEATS[product]
        seats = int(min(max(lognormvariate(rng, 0, sigma) * median, low), high))
        churn = CHURN[product] * (0.75 if plan_key == "y1" else 1.0)
        spec = SubSpec(
            self.catalogue.get(product, plan_key, currency, start),
            seats,
            start,
            churn_per_month=churn,
            change_per_month=EXPANSION[product],
        )
        if product != "flex":
            if self_serve and rng.random() < 0.75:
                spec.trial_days, spec.trial_converts = 14, rng.random() < 0.72
            elif not self_serve and rng.random() < 0.08:
                spec.trial_days, spec.trial_converts = 30, rng.random() < 0.92
            spec.coupon = self.draw_coupon(plan_key)
        plan = CustomerPlan(spec)
        if not self_serve and tier != "starter" and product != "flex" and rng.random() < 0.45:
            fee = local_amount(150_000 if tier == "growth" else 500_000, currency)
            if rng.random() < 0.5:
                spec.onboarding_fee = fee
            else:
                plan.onboarding_manual_fee = fee
        if product != "flex":
            if rng.random() < 0.04:
                plan.services_fee = local_amount(80_000, currency)
            if rng.random() < 0.09:
                plan.addon_after_days, plan.addon_seats = rng.randint(30, 400), max(1, seats // 3)
            if plan_key == "m1" and rng.random() < 0.03:
                spec.switch_after_periods = rng.randint(2, 8)
        if rng.random() < 0.16:
            plan.reactivation_after_days = rng.randint(60, 330)
        plan.deleted_if_churned = rng.random() < 0.05
        self.apply_scenario(plan, scenario)
        return plan, tier

    def draw_coupon(self, plan_key: str) -> Coupon | None:
        roll = self.rng.random()
        if roll < 0.14:
            return Coupon("LAUNCH20", 20, 1 if plan_key == "y1" else 3)
        if roll < 0.19:
            return self.rng.choice((Coupon("NONPROFIT15", 15, None), Coupon("PARTNER10", 10, None)))
        if roll < 0.21:
            return Coupon("WELCOME50", 50, 1)
        return None

    def apply_scenario(self, plan: CustomerPlan, scenario: str | None) -> None:
        if scenario is None or scenario == "reopened_deal":
            return
        spec = plan.main
        spec.trial_days, spec.coupon, spec.no_random_events = 0, None, True
        spec.onboarding_fee = 0
        plan.addon_after_days = plan.reactivation_after_days = None
        plan.onboarding_manual_fee = plan.services_fee = 0
        plan.deleted_if_churned = False
        if scenario == "full_discount":
            spec.coupon = Coupon("PARTNER100", 100, None)
        elif scenario == "in_and_out_within_month":
            spec.forced_cancel_at = spec.start + timedelta(days=9)
        elif scenario == "switch_monthly_to_annual":
            spec.switch_after_periods = 3
        elif scenario == "trialing_at_end":
            spec.trial_days = 14
        elif scenario == "past_due_at_end":
            spec.fail_from = self.now - timedelta(days=11)
        elif scenario == "cancel_pending_at_end":
            spec.forced_cancel_at = self.now - timedelta(days=3)

    def record_booking(self, outcome: CustomerOutcome) -> None:
        first = outcome.first_paid_at
        if first is None:
            return
        main = outcome.subscriptions[0]
        month = month_start(first)
        usd = main.initial_mrr * 12 * self.fx.to_usd(main.price.currency, first.date())
        entry = self.bookings.setdefault(month, MonthBookings())
        entry.new_customers += 1
        entry.new_acv_usd_cents += int(usd)

    def test_mode_customer(self, index: int, total: int) -> None:
        rng = self.rng
        start = self.slot_time(index, total)
        number = self.ids.next("test_customer")
        currency = "EUR" if number % 4 == 0 else "USD"
        customer = BillingCustomer(
            customer_id="cus_" + str(self.ids.next("customer")).zfill(6),
            company_id=None,
            name=f"Test Customer {number}",
            email=f"qa+{number}@example.com",
            country="US",
            currency=currency,
            tax_bps=0,
            pays_by_invoice=False,
            created_at=start,
            livemode=False,
        )
        price = self.catalogue.get("growth", "m1", currency)
        spec = SubSpec(price, rng.randint(1, 3), start, churn_per_month=0.15, change_per_month=0.1)
        self.billing.simulate_customer(customer, CustomerPlan(spec))
        self.examples.setdefault("test-mode customer", customer.customer_id)

    # ------------------------------------------------------------------ CRM records

    def contacts(
        self,
        company: Company,
        fate: str,
        line: Timeline,
        channel: str,
        outcome: CustomerOutcome | None,
    ) -> list[Contact]:
        rng, now = self.rng, self.now
        paid = outcome.first_paid_at if outcome else None
        primary = self.new_contact(
            company, jitter(rng, line.lead, -1800, 0), raw_lead_source(rng, channel)
        )
        stages = {
            "lead": line.lead,
            "mql": line.mql,
            "sql": line.sql,
            "opportunity": line.opportunity if line.outcome else None,
            "customer": paid,
        }
        primary.stages = {stage: at for stage, at in stages.items() if at is not None and at <= now}
        if fate == "lead" and rng.random() < 0.1:
            primary.stages = {}
            primary.special = "subscriber"
        if "sql" in primary.stages or rng.random() < 0.5:
            primary.owner_id = company.owner_id
        if paid and rng.random() < 0.03:
            primary.special = "evangelist"
        contacts = [primary]
        for _ in range(EXTRA_CONTACTS[fate].draw(rng)):
            created = jitter(rng, line.lead, 2 * 86400, 120 * 86400)
            if created > now:
                continue
            source = raw_lead_source(rng, channel if rng.random() < 0.6 else pick_channel(rng))
            contact = self.new_contact(company, created, source)
            if rng.random() < 0.85:
                contact.stages["lead"] = created
                if rng.random() < 0.3:
                    contact.stages["mql"] = jitter(rng, created, 3600, 20 * 86400)
            else:
                contact.special = "subscriber"
            if paid and created < paid and rng.random() < 0.5:
                contact.stages["customer"] = paid
            if rng.random() < 0.01:
                contact.special = "other"
            contact.stages = {stage: at for stage, at in contact.stages.items() if at <= now}
            contact.owner_id = company.owner_id if rng.random() < 0.5 else None
            contacts.append(contact)
        if rng.random() < 0.12:  # a contact with no company at all
            created = jitter(rng, line.lead, 0, 30 * 86400)
            if created <= now:
                loner = self.new_contact(None, created, raw_lead_source(rng, pick_channel(rng)))
                if rng.random() < 0.6:
                    loner.stages["lead"] = created
                    if rng.random() < 0.2:
                        loner.stages["mql"] = jitter(rng, created, 3600, 10 * 86400)
                loner.stages = {stage: at for stage, at in loner.stages.items() if at <= now}
                contacts.append(loner)
        for contact in contacts:
            apply_contact_noise(rng, contact, now)
        return contacts

    def new_contact(
        self, company: Company | None, created: datetime, source: str | None
    ) -> Contact:
        number = self.ids.next("contact")
        return make_contact(
            self.rng,
            number,
            company.domain if company else None,
            company.company_id if company else None,
            created,
            source,
        )

    def new_deal(
        self,
        company: Company,
        owner: str,
        name: str,
        pipeline: str,
        created: datetime,
        end: datetime,
        outcome: str,
        amount: int | None,
        currency: str,
        reopen: bool = False,
    ) -> Deal:
        rng, now = self.rng, self.now
        history = stage_path(rng, created, end, outcome, reopen)
        if amount is not None:
            amount = div_round(amount, 100) * 100  # whole units
        if rng.random() < 0.04:
            amount = None
        deal_id = str(5_000_000 + self.ids.next("deal"))
        company_id = company.company_id if not rng.random() < 0.02 else None
        updated = jitter(rng, history[-1][1], 60, 2 * 86400)
        deal = Deal(
            deal_id=deal_id,
            company_id=company_id,
            owner_id=owner,
            name=name,
            pipeline=pipeline,
            created_at=created,
            history=history,
            amount_minor=amount,
            currency=currency,
            updated_at=updated if updated < now else now,  # min()
        )
        if outcome == "lost" and rng.random() < 0.03:
            deal.is_deleted = True
            self.examples.setdefault("soft-deleted deal", deal.deal_id)
        return deal

    def deals(
        self,
        company: Company,
        line: Timeline,
        outcome: CustomerOutcome | None,
        scenario: str | None,
    ) -> list[Deal]:
        rng, now = self.rng, self.now
        deals: list[Deal] = []
        currency = outcome.customer.currency if outcome else country_currency(rng, company.country)
        owner = company.owner_id or ""
        if line.opportunity is not None and line.outcome is not None:
            if outcome:
                amount: int | None = outcome.subscriptions[0].initial_mrr * 12
            else:
                tier = LOST_DEAL_TIER.draw(rng)
                median, sigma, low, high = SEATS[tier]
                seats = int(min(max(lognormvariate(rng, 0, sigma) * median, low), high))
                amount = self.catalogue.get(tier, "y1", currency).unit_amount * seats
            reopen = scenario == "reopened_deal" or (line.outcome == "won" and rng.random() < 0.01)
            end = line.close if line.close else now
            deal = self.new_deal(
                company,
                owner,
                f"{company.name} - New Business",
                "new_business",
                line.opportunity,
                end,
                line.outcome,
                amount,
                currency,
                reopen,
            )
            deals.append(deal)
            if reopen:
                self.examples.setdefault("reopened deal", deal.deal_id)
            if line.outcome == "open":
                self.examples.setdefault("open deal", deal.deal_id)
        if outcome is None:
            return deals
        cs_owner = self.owner_picker.pick(rng, "customer_success", line.start or now).owner_id
        first_sub = outcome.subscriptions[0].start
        for sub in outcome.subscriptions:
            for change in sub.changes:
                if change.new_mrr <= change.old_mrr or len(deals) > 4 or not rng.random() < 0.5:
                    continue
                created = max(first_sub, change.at - timedelta(days=rng.randint(5, 30)))
                deals.append(
                    self.new_deal(
                        company,
                        cs_owner,
                        f"{company.name} - Expansion",
                        "expansion",
                        created,
                        change.at,
                        "won",
                        (change.new_mrr - change.old_mrr) * 12,
                        currency,
                    )
                )
            for renewal in sub.renewals:
                created = renewal.at - timedelta(days=60)
                if renewal.decided_at and created >= renewal.decided_at:
                    created = renewal.decided_at - timedelta(days=5)
                if created > now:
                    continue
                if renewal.renewed is None:
                    state, end = "open", now
                elif renewal.renewed:
                    state, end = (
                        "won",
                        renewal.at
                        - timedelta(days=rng.randint(0, 10), seconds=rng.randint(0, 86399)),
                    )
                else:
                    state, end = "lost", renewal.decided_at or renewal.at
                end = max(end, created + timedelta(hours=2))
                deals.append(
                    self.new_deal(
                        company,
                        cs_owner,
                        f"{company.name} - Renewal",
                        "renewal",
                        created,
                        min(end, now),
                        state,
                        renewal.annual_value,
                        currency,
                    )
                )
        if outcome.reactivated_at and rng.random() < 0.5:
            close = outcome.reactivated_at - timedelta(hours=rng.randint(2, 72))
            deals.append(
                self.new_deal(
                    company,
                    owner,
                    f"{company.name} - Win-back",
                    "new_business",
                    close - timedelta(days=rng.randint(14, 60)),
                    close,
                    "won",
                    None,
                    currency,
                )
            )
        if rng.random() < 0.08 and line.start:
            created = jitter(rng, line.start, 60 * 86400, 500 * 86400)
            if created < now - 10 * DAY:
                end = min(now, created + timedelta(days=rng.randint(10, 60)))
                deals.append(
                    self.new_deal(
                        company,
                        cs_owner,
                        f"{company.name} - Expansion",
                        "expansion",
                        created,
                        end,
                        "lost",
                        rng.choice((240_000, 500_000, 1_200_000)),
                        currency,
                    )
                )
        return deals
