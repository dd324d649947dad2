"""Deterministic demo data for the raw layer of the RevOps warehouse.

Usage::

    python -m generator.raw_data --out data/demo --seed 42
        [--customers 800] [--start 2023-10-01] [--months 36] [--format csv|parquet]
        [--workers N] [--shapes contract,fivetran_stripe,fivetran_hubspot,fivetran_salesforce]
        [--quiet]

Writes the layout of the raw contract (docs/raw_contract.md)::

    <out>/crm/{contacts,companies,deals,deal_stage_history,owners}.csv
    <out>/billing/{customers,prices,subscriptions,invoices,invoice_line_items,refunds}.csv
    <out>/finance/{expenses,fx_rates}.csv

(``.parquet`` with ``--format parquet``: every column text, empty values null, row groups
of about 100,000 rows written as the run goes.)

``--shapes`` (a comma list, default ``contract``) chooses the shapes written:

- ``contract``: the files above;
- ``fivetran_stripe``: the same billing data as the tables Fivetran's Stripe connector lands,
  written after the contract files, from them (generator/fivetran_stripe.py)::

    <out>/stripe/{customer,product,price,plan,subscription_history,subscription,
                  subscription_item,invoice,invoice_line_item,discount,coupon,charge,refund}.csv

  Every contract billing row, broken rows and duplicate loads included, is one row of its
  Stripe table; discounts, coupons, charges, products and subscription items are derived;
  about half the customers whose e-mail domain names their CRM company unambiguously carry
  no crm_company_id in their metadata (the warehouse links them by domain). Three broken
  rows exist in this shape only (fivetran_stripe.STRIPE_BAD_ROWS): discount di_99999999 of
  the missing line il_99999999; charge ch_9999901 without invoice, refunded by re_999905;
  subscription_item si_999999_1 of the missing subscription sub_999999.
- ``fivetran_hubspot``: the same CRM data as the tables Fivetran's HubSpot connector lands,
  written after the contract files, from them (generator/fivetran_hubspot.py)::

    <out>/hubspot/{contact,contact_property_history,company,owner,deal_pipeline,
                   deal_pipeline_stage,deal,deal_company,deal_stage}.csv

  Every contract CRM row, broken rows and duplicate loads included, is one row of its
  HubSpot table; pipelines, pipeline stages and deal-company associations are derived. A
  contact's stage dates are HubSpot's classic properties, its newer ``hs_v2`` ones (about
  half each) or, for about 5 %, property history rows only; the lead source is HubSpot's
  analytics source pair; an open deal's close date is its expected one (created + 30 days);
  one live contact lists two merged ids. Three broken rows exist in this shape only
  (fivetran_hubspot.HUBSPOT_BAD_ROWS): a deal_stage entry with the stage id 99999999 of no
  pipeline; a deal_stage entry of the missing deal 5999904; deal 5999905 in the missing
  pipeline 75009999.
- ``fivetran_salesforce``: the same CRM data as the tables Fivetran's Salesforce connector
  lands, written after the contract files, from them (generator/fivetran_salesforce.py)::

    <out>/salesforce/{user,account,lead,lead_history,contact,opportunity,
                      opportunity_history,lead_status}.csv

  Every contract CRM row, broken rows and duplicate loads included, is one row of its
  Salesforce table (contacts -> lead); a contact whose winning load reached the opportunity
  stage with a company is a converted lead, with a contact row per converted load; the stage
  dates are custom fields; the lead status history, the lead statuses and about 20 % of the
  deals' restating opportunity_history rows are derived; opportunities are in Fivetran's
  history mode. Three broken rows exist in this shape only
  (fivetran_salesforce.SALESFORCE_BAD_ROWS): an opportunity_history row of the missing
  opportunity 5999906; one with the stage ``Negotiation (legacy)``; opportunity 5999907 of
  the deleted account 999907.

Without ``contract`` in the list, the contract files are generated in a temporary directory
and only the converted shapes' folders are kept. ``make demo-data`` writes all four shapes.

Determinism: all randomness comes from ``random.Random`` streams seeded with ``--seed``
(one for the story, one for the raw formatting noise); no clock, no hash ordering,
integer money, fixed text formats and ``\\n`` line endings. The same arguments give
byte-identical CSV files and the same Parquet rows. Rows are streamed company by company;
only small catalogues (owners, prices, FX rates, per-month booking counters) and a few
thousand pending rows per table stay in memory.

Scale: time is linear in ``--customers`` (about 4.3 CRM companies per paying customer).
Up to 25,000 companies (about 5,800 customers, the demo has 800) one stream writes
everything. Larger runs are cut into blocks of 25,000 companies with their own streams,
ids and forced scenarios, generated on ``--workers`` processes (default: the CPU count)
and joined in order: the output depends on the arguments, never on ``--workers`` (see
generator/blocks.py). A progress bar goes to stderr when it is a terminal.

The simulated company: a B2B SaaS selling per-seat plans (Starter, Growth, Enterprise;
monthly, quarterly, annual; an Analytics add-on; a weekly Flex plan) in USD, EUR, GBP
and CAD, from ``--start`` for ``--months`` months. The end of the data ("now") is noon
of the last day; the latest invoice is created that day, so it is the as-of date.

Situations covered (the CLI prints an example id for the forced ones):
- CRM: skipped stages (self-serve customers without mql/sql/opportunity, 8% of
  sales-led customers without mql), out-of-order stage timestamps, contacts without
  ``became_lead_at``, subscribers, soft-deleted contacts/deals/companies, duplicate
  loads (contacts, deals and companies loaded twice with different ``updated_at``, in
  either file order), messy ``lead_source`` text and nulls, contacts without company,
  deals without company or amount, mixed-case currencies, new_business / expansion /
  renewal / win-back deals, open and lost deals, a reopened deal (contractsent ->
  closedlost -> contractsent -> closedwon), leading-zero company ids.
- Billing: trials at zero price (converted and not), coupons (a few periods, forever,
  once, one 100% forever), taxes, onboarding fees inline and on manual invoices,
  mid-period upgrades and downgrades with proration invoices (``subscription_update``),
  seat true-ups at annual renewals, cancellations at period end and immediate ones
  (with full refunds), churn for non-payment (uncollectible invoice), reactivations,
  concurrent subscriptions (add-on), a monthly plan switched to an annual one starting
  exactly when the first ends, a weekly customer who starts and leaves inside one month,
  legacy (inactive) price, open / draft / void invoices, past_due, trialing and
  cancel-pending subscriptions at the end of the data, an active subscription whose next
  invoice is not issued yet, test-mode customers, deleted customers, duplicate loads
  (invoice open then paid, exact duplicate line items, subscriptions, refunds pending
  then succeeded, customers, prices, owners, a corrected FX rate).
- Finance: monthly marketing and sales spend (channel-attributed advertising, events,
  partner commissions, referral rewards; salaries, tools, content with no channel),
  commissions on new bookings, negative corrections, EUR and GBP bookings, a few
  engineering / g_and_a rows; FX rates (EUR, GBP, CAD) on the first of every month
  from three months before the start to the end.

Deliberately contract-breaking rows, one per quarantine reason (see
generator/bad_rows.py, all on the side of the story):
- contacts: empty contact_id (null key); 199901 lifecycle_stage `bogus`
- companies: empty company_id (null key)
- deals: empty deal_id (null key); 5999901 pipeline `partnerships`; 5999902 stage
  `stalled`; 5999903 currency `DOLLARS`
- deal_stage_history: empty entered_at (null key); stage `negotiation` on a real deal;
  deal 5999999 that does not exist (orphan deal_id)
- owners: empty owner_id (null key)
- customers: empty customer_id (null key); cus_999901 currency `XXX`
- prices: empty price_id; price_bad_fortnight (`fortnight`); price_bad_interval_count
  (0); price_bad_negative (-100); price_bad_currency (`XXX`)
- subscriptions: empty id; sub_999901 status `paused`; sub_999902 period end before
  start; sub_999903 customer cus_999999 (orphan)
- invoices: empty id; in_9999901 status `pending_review`; in_9999902 currency `XXX`;
  in_9999903 period end before start; in_9999904 customer cus_999999 (orphan);
  in_9999905 subscription sub_999999 (orphan)
- invoice_line_items (on the clean one-off invoice in_9999900 unless said otherwise;
  in_9999900's subtotal counts its clean line il_99999900 only): empty id;
  il_99999901 line_type `credit_note`; il_99999902 quantity -1; il_99999903 period
  end before start; il_99999904 invoice in_9999999 (orphan); il_99999905 price
  price_retired_2022 (orphan); il_99999906 recurring line without price
- refunds: empty id; re_999901 status `processing`; re_999902 amount -500;
  re_999903 currency `XXX`; re_999904 invoice in_9999999 (orphan)
- expenses: empty id; exp_999901 without incurred_on; exp_999902 currency `XXX`
- fx_rates: empty currency (null key); EUR rate 0 on the 15th of a month; currency XXX
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from generator import blocks as block_plan
from generator.bad_rows import References, write_bad_rows
from generator.billing import BillingEngine
from generator.blocks import BlockResult, generate_blocks, plan_blocks
from generator.catalogue import write_owners
from generator.common import FastRandom, IdSequence, RawFormatter, Sink
from generator.finance import write_expenses
from generator.fivetran_hubspot import convert as convert_to_hubspot
from generator.fivetran_salesforce import convert as convert_to_salesforce
from generator.fivetran_stripe import convert as convert_to_stripe
from generator.progress import Progress
from generator.story import Story, company_count
from generator.world import Config, World, build_world, check_id_counts

__all__ = ["SHAPES", "Config", "Result", "generate", "generate_shapes", "main", "parse_args"]

# The shapes --shapes can write, in the order they are written.
SHAPES: tuple[str, ...] = (
    "contract",
    "fivetran_stripe",
    "fivetran_hubspot",
    "fivetran_salesforce",
)


@dataclass
class Result:
    counts: dict[str, int]
    examples: dict[str, str]
    seconds: float


def write_catalogues(sink: Sink, fmt: RawFormatter, world: World) -> None:
    """The rows written before the story: owners, prices, FX rates."""
    write_owners(sink, fmt, world.owners)
    world.catalogue.write(sink, fmt)
    world.fx.write(sink, fmt)


def write_epilogue(
    sink: Sink,
    fmt: RawFormatter,
    config: Config,
    world: World,
    ids: IdSequence,
    samples: dict[str, str],
    lead_companies: list[str],
    acv: dict[date, int],
) -> None:
    """The rows written after the story: the broken rows, then the expenses."""
    if "paid_invoice" not in samples:
        raise ValueError("no paid live invoice to hang the broken rows on: use more --customers")
    start, now = config.start_at, config.now
    refs = References(
        customer_id=samples["paid_invoice_customer"],
        currency=samples["paid_invoice_currency"],
        paid_invoice_id=samples["paid_invoice"],
        deal_id="5000001",
        company_id=lead_companies[0] if lead_companies else "000001",
        at=(start + (now - start) * 0.45).replace(microsecond=0),
    )
    write_bad_rows(sink, fmt, refs)
    write_expenses(sink, fmt, world.rng, ids, config.first_month, config.months, acv)
    check_id_counts(ids.counters, "run")


def generate(config: Config, *, workers: int = 1, show_progress: bool | None = False) -> Result:
    """Writes the raw data. show_progress: None = a bar when stderr is a terminal.

    Up to BLOCK_COMPANIES companies: one stream, written as the story goes (the demo data).
    More: blocks on ``workers`` processes (generator/blocks.py); the output does not depend
    on ``workers``.
    """
    began = time.perf_counter()
    if config.months < 3 or config.customers < 1:
        raise ValueError("need --months >= 3 and --customers >= 1")
    if config.file_format not in ("csv", "parquet"):
        raise ValueError(f"unknown format {config.file_format!r}")
    total = company_count(config.customers)
    blocks = plan_blocks(total, block_plan.BLOCK_COMPANIES)
    progress = Progress(total, "companies", enabled=show_progress)
    world = build_world(config)
    fmt = RawFormatter(FastRandom(f"{config.seed}:format"))
    if len(blocks) == 1:
        counts, examples = _generate_one_stream(config, world, fmt, progress)
    else:
        counts, examples = _generate_blocks(config, world, fmt, blocks, total, workers, progress)
    progress.close()
    return Result(counts, examples, time.perf_counter() - began)


def _generate_one_stream(
    config: Config, world: World, fmt: RawFormatter, progress: Progress
) -> tuple[dict[str, int], dict[str, str]]:
    sink = Sink(config.out, config.file_format)
    ids = IdSequence()
    write_catalogues(sink, fmt, world)
    billing = BillingEngine(world.rng, fmt, sink, ids, world.catalogue, config.now)
    story = Story(
        world.rng,
        fmt,
        sink,
        ids,
        world.catalogue,
        world.owners,
        world.fx,
        billing,
        config.start_at,
        config.now,
        config.customers,
    )
    story.run(progress.update)
    check_id_counts(ids.counters, "run")
    acv = {month: entry.new_acv_usd_cents for month, entry in story.bookings.items()}
    write_epilogue(sink, fmt, config, world, ids, billing.samples, story.lead_companies, acv)
    counts = sink.close()
    examples = dict(story.examples)
    examples.update({f"sample {key}": value for key, value in billing.samples.items()})
    return counts, examples


def _generate_blocks(
    config: Config,
    world: World,
    fmt: RawFormatter,
    blocks: list[tuple[int, int]],
    total: int,
    workers: int,
    progress: Progress,
) -> tuple[dict[str, int], dict[str, str]]:
    examples: dict[str, str] = {}

    def tail(sink: Sink, results: list[BlockResult]) -> None:
        samples: dict[str, str] = {}
        lead_companies: list[str] = []
        acv: dict[date, int] = {}
        for result in results:  # in block order: the first block's sample wins
            for key, value in result.examples.items():
                examples.setdefault(key, value)
            for key, value in result.samples.items():
                samples.setdefault(key, value)
            lead_companies.extend(result.lead_companies)
            for month, entry in result.bookings.items():
                acv[month] = acv.get(month, 0) + entry.new_acv_usd_cents
        write_epilogue(
            sink,
            fmt,
            config,
            world,
            IdSequence(),
            samples,
            lead_companies,
            dict(sorted(acv.items())),
        )
        examples.update({f"sample {key}": value for key, value in samples.items()})

    counts = generate_blocks(
        config,
        blocks,
        total,
        workers,
        progress.update,
        lambda sink: write_catalogues(sink, fmt, world),
        tail,
    )
    return counts, examples


def generate_shapes(
    config: Config,
    shapes: tuple[str, ...] = ("contract",),
    *,
    workers: int = 1,
    show_progress: bool | None = False,
) -> Result:
    """``generate``, then the other shapes from its files (see --shapes). Without
    ``contract``, the contract files go to a temporary directory, removed afterwards."""
    began = time.perf_counter()
    if "contract" in shapes:
        result = generate(config, workers=workers, show_progress=show_progress)
        counts = dict(result.counts)
        counts.update(_converted(shapes, config.out, config, result.examples))
        return Result(counts, result.examples, time.perf_counter() - began)
    with tempfile.TemporaryDirectory(prefix="raw-contract-") as scratch:
        contract = replace(config, out=Path(scratch))
        result = generate(contract, workers=workers, show_progress=show_progress)
        counts = _converted(shapes, contract.out, config, result.examples)
    return Result(counts, result.examples, time.perf_counter() - began)


def _converted(
    shapes: tuple[str, ...], contract_dir: Path, config: Config, examples: dict[str, str]
) -> dict[str, int]:
    """The converted shapes named in ``shapes``, in SHAPES order, from the contract files."""
    counts: dict[str, int] = {}
    if "fivetran_stripe" in shapes:
        counts.update(_stripe(contract_dir, config, examples))
    if "fivetran_hubspot" in shapes:
        counts.update(_hubspot(contract_dir, config, examples))
    if "fivetran_salesforce" in shapes:
        counts.update(_salesforce(contract_dir, config, examples))
    return counts


def _stripe(contract_dir: Path, config: Config, examples: dict[str, str]) -> dict[str, int]:
    stripe = convert_to_stripe(contract_dir, config.out, config.file_format)
    examples["stripe e-mail fallback"] = (
        f"{stripe.fallbacks} of {stripe.customers} customer rows left to the e-mail domain"
    )
    return stripe.counts


def _hubspot(contract_dir: Path, config: Config, examples: dict[str, str]) -> dict[str, int]:
    hubspot = convert_to_hubspot(contract_dir, config.out, config.file_format)
    examples["hubspot stage dates of contacts"] = hubspot.group_summary()
    return hubspot.counts


def _salesforce(contract_dir: Path, config: Config, examples: dict[str, str]) -> dict[str, int]:
    salesforce = convert_to_salesforce(contract_dir, config.out, config.file_format)
    examples["salesforce conversions"] = salesforce.summary()
    return salesforce.counts


def parse_shapes(text: str) -> tuple[str, ...]:
    """`contract,fivetran_stripe,fivetran_hubspot,fivetran_salesforce` -> the known shapes
    named, in SHAPES order."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in SHAPES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown shape(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(SHAPES)}"
        )
    return tuple(shape for shape in SHAPES if shape in names)


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def parse_args(argv: list[str] | None = None) -> tuple[Config, bool, int, tuple[str, ...]]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("data/demo"))
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--customers", type=int, default=800, help="paying-customer target")
    parser.add_argument("--start", type=date.fromisoformat, default=date(2023, 10, 1))
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--format", dest="file_format", choices=("csv", "parquet"), default="csv")
    parser.add_argument(
        "--workers",
        type=int,
        default=default_workers(),
        help=f"processes for runs of more than {block_plan.BLOCK_COMPANIES:,} companies "
        "(about 5,800 customers); the output does not depend on it",
    )
    parser.add_argument(
        "--shapes",
        type=parse_shapes,
        default=("contract",),
        help="comma list of the shapes to write: contract (the raw contract's files), "
        "fivetran_stripe (<out>/stripe/: the billing data as Fivetran's Stripe connector "
        "lands it), fivetran_hubspot (<out>/hubspot/: the CRM data as Fivetran's HubSpot "
        "connector lands it), fivetran_salesforce (<out>/salesforce/: the CRM data as "
        "Fivetran's Salesforce connector lands it); default contract",
    )
    parser.add_argument("--quiet", action="store_true", help="print nothing (no progress bar)")
    args = parser.parse_args(argv)
    config = Config(args.out, args.seed, args.customers, args.start, args.months, args.file_format)
    return config, args.quiet, max(1, args.workers), args.shapes


def main(argv: list[str] | None = None) -> int:
    config, quiet, workers, shapes = parse_args(argv)
    result = generate_shapes(
        config, shapes, workers=workers, show_progress=False if quiet else None
    )
    if not quiet:
        for table, count in result.counts.items():
            print(f"{table:32s} {count:8d} rows")
        for key in sorted(result.examples):
            print(f"example  {key}: {result.examples[key]}")
        print(f"generated in {result.seconds:.1f} s into {config.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
