"""Checks of the demo-data generator (generator/raw_data.py) and of the committed demo set.

- determinism: two runs with the same arguments give byte-identical files; the default
  arguments reproduce the committed data/demo byte for byte; another seed differs;
- layout: every file has exactly the raw contract's columns;
- contract: clean rows stage cleanly (parseable, known codes, parents present) and the
  deliberately broken rows hit exactly one quarantine reason each (rules of the staging
  layer, restated here independently of the generator);
- arithmetic: invoice totals, subtotals, recurring line amounts, FX coverage, as-of date.
"""

from __future__ import annotations

import csv
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from generator.raw_data import main  # noqa: E402

DEMO = REPO / "data" / "demo"

# The raw contract, restated (not imported from the generator on purpose).
CONTRACT: dict[str, list[str]] = {
    "crm/contacts": [
        "contact_id",
        "email",
        "first_name",
        "last_name",
        "company_id",
        "owner_id",
        "lead_source",
        "lifecycle_stage",
        "created_at",
        "became_lead_at",
        "became_mql_at",
        "became_sql_at",
        "became_opportunity_at",
        "became_customer_at",
        "is_deleted",
        "updated_at",
    ],
    "crm/companies": [
        "company_id",
        "name",
        "domain",
        "industry",
        "country",
        "employee_count",
        "owner_id",
        "created_at",
        "updated_at",
        "is_deleted",
    ],
    "crm/deals": [
        "deal_id",
        "company_id",
        "owner_id",
        "deal_name",
        "pipeline",
        "deal_stage",
        "amount",
        "currency",
        "created_at",
        "closed_at",
        "is_deleted",
        "updated_at",
    ],
    "crm/deal_stage_history": ["deal_id", "deal_stage", "entered_at"],
    "crm/owners": ["owner_id", "email", "first_name", "last_name", "team", "is_active"],
    "billing/customers": [
        "customer_id",
        "email",
        "name",
        "crm_company_id",
        "country",
        "currency",
        "is_livemode",
        "created_at",
        "is_deleted",
    ],
    "billing/prices": [
        "price_id",
        "product_id",
        "product_name",
        "nickname",
        "billing_interval",
        "interval_count",
        "unit_amount",
        "currency",
        "is_active",
    ],
    "billing/subscriptions": [
        "subscription_id",
        "customer_id",
        "status",
        "created_at",
        "started_at",
        "trial_start",
        "trial_end",
        "cancel_at_period_end",
        "canceled_at",
        "ended_at",
        "current_period_start",
        "current_period_end",
    ],
    "billing/invoices": [
        "invoice_id",
        "customer_id",
        "subscription_id",
        "status",
        "billing_reason",
        "currency",
        "created_at",
        "period_start",
        "period_end",
        "subtotal",
        "discount_total",
        "tax",
        "total",
        "amount_paid",
        "paid_at",
    ],
    "billing/invoice_line_items": [
        "line_item_id",
        "invoice_id",
        "subscription_id",
        "price_id",
        "line_type",
        "is_proration",
        "quantity",
        "amount",
        "discount_amount",
        "period_start",
        "period_end",
        "description",
    ],
    "billing/refunds": [
        "refund_id",
        "invoice_id",
        "amount",
        "currency",
        "status",
        "created_at",
        "reason",
    ],
    "finance/expenses": [
        "expense_id",
        "incurred_on",
        "department",
        "category",
        "channel",
        "amount",
        "currency",
    ],
    "finance/fx_rates": ["rate_date", "currency", "rate_to_usd"],
}
FILES = [f"{table}.csv" for table in CONTRACT]
KNOWN_CURRENCIES = (
    {row["currency_code"] for row in csv.DictReader((REPO / "seeds" / "currencies.csv").open())}
    if (REPO / "seeds" / "currencies.csv").exists()
    else {"USD", "EUR", "GBP", "CAD"}
)

Row = dict[str, Any]  # raw text values, None for empty fields
Staged = tuple[dict[str, list[Row]], Counter[tuple[str, str]], Counter[str]]


# --------------------------------------------------------------------------- fixtures


def run_generator(out: Path, *args: str) -> Path:
    assert main(["--out", str(out), "--quiet", *args]) == 0
    return out


@pytest.fixture(scope="session")
def small_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    base = tmp_path_factory.mktemp("small")
    first = run_generator(base / "a", "--seed", "42", "--customers", "50")
    second = run_generator(base / "b", "--seed", "42", "--customers", "50")
    other = run_generator(base / "c", "--seed", "43", "--customers", "50")
    return first, second, other


@pytest.fixture(scope="session")
def default_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return run_generator(tmp_path_factory.mktemp("default") / "demo")


def read_rows(folder: Path, table: str) -> list[Row]:
    with (folder / f"{table}.csv").open(encoding="utf-8", newline="") as handle:
        return [{k: (v.strip() or None) for k, v in row.items()} for row in csv.DictReader(handle)]


@pytest.fixture(scope="session")
def demo() -> dict[str, list[Row]]:
    if not (DEMO / "billing" / "invoices.csv").exists():
        pytest.skip("data/demo not generated")
    return {table: read_rows(DEMO, table) for table in CONTRACT}


# ------------------------------------------------------------------ parsing (staging rules)


def maybe_ts(value: str | None) -> datetime | None:
    return None if value is None else ts(value)


def ts(value: str | None) -> datetime:
    """Timestamp parsing of the staging layer: space or T, optional Z, or a bare date."""
    assert value is not None
    text = value.rstrip("Z").replace("T", " ")
    if len(text) == 10:
        return datetime.fromisoformat(text + " 00:00:00")
    assert len(text) == 19, value
    return datetime.fromisoformat(text)


def boolean(value: str | None) -> bool | None:
    if value is None:
        return None
    assert value.lower() in ("true", "false"), value
    return value.lower() == "true"


def cur(value: str | None) -> str | None:
    return None if value is None else value.strip().upper()


def dedupe(
    rows: list[Row], key: Callable[[Row], tuple[Any, ...]], updated: bool
) -> tuple[list[Row], list[Row], int]:
    """(winners, rows with a null key, number of duplicate removals)."""
    winners: dict[tuple[Any, ...], tuple[tuple[Any, ...], Row]] = {}
    null_keyed: list[Row] = []
    for position, row in enumerate(rows):
        k = key(row)
        if any(part is None for part in k):
            null_keyed.append(row)
            continue
        stamp = maybe_ts(row.get("updated_at")) if updated else None
        rank = (
            (stamp is not None, stamp or datetime.min) if updated else (True, datetime.min),
            position,
        )
        if k not in winners or rank > winners[k][0]:
            winners[k] = (rank, row)
    removed = len(rows) - len(null_keyed) - len(winners)
    return [row for _, row in winners.values()], null_keyed, removed


def stage_all(data: dict[str, list[Row]]) -> Staged:
    """Applies duplicate, test-mode and quarantine rules; returns staged rows and reasons."""
    reasons: Counter[tuple[str, str]] = Counter()
    duplicates: Counter[str] = Counter()
    staged: dict[str, list[Row]] = {}
    keys: dict[str, Callable[[Row], tuple[Any, ...]]] = {
        "crm/deal_stage_history": lambda r: (
            r["deal_id"],
            r["deal_stage"],
            r["entered_at"] and ts(r["entered_at"]),
        ),
        "finance/fx_rates": lambda r: (cur(r["currency"]), r["rate_date"]),
    }
    winners: dict[str, list[Row]] = {}
    for table, rows in data.items():
        key = keys.get(table, lambda r, t=table: (r[CONTRACT[t][0]],))
        won, nulls, removed = dedupe(rows, key, "updated_at" in CONTRACT[table])
        duplicates[table] = removed
        winners[table] = won
        reasons[(table, "null key")] += len(nulls)

    live = {r["customer_id"]: r for r in winners["billing/customers"]}
    test = {c for c, r in live.items() if boolean(r["is_livemode"]) is False}
    invoice_customer = {r["invoice_id"]: r["customer_id"] for r in winners["billing/invoices"]}

    def keep(
        table: str, rows: list[Row], rules: list[tuple[str, Callable[[Row], bool]]]
    ) -> list[Row]:
        out = []
        for row in rows:
            failed = next((reason for reason, bad in rules if bad(row)), None)
            if failed:
                reasons[(table, failed)] += 1
            else:
                out.append(row)
        staged[table] = out
        return out

    lifecycle = {
        "subscriber",
        "lead",
        "marketingqualifiedlead",
        "salesqualifiedlead",
        "opportunity",
        "customer",
        "evangelist",
        "other",
    }
    open_stages = {
        "appointmentscheduled",
        "qualifiedtobuy",
        "presentationscheduled",
        "decisionmakerboughtin",
        "contractsent",
        "closedwon",
        "closedlost",
    }
    keep(
        "crm/contacts",
        winners["crm/contacts"],
        [
            (
                "unknown lifecycle_stage",
                lambda r: (
                    r["lifecycle_stage"] is not None and r["lifecycle_stage"] not in lifecycle
                ),
            )
        ],
    )
    keep("crm/companies", winners["crm/companies"], [])
    keep("crm/owners", winners["crm/owners"], [])
    deals = keep(
        "crm/deals",
        winners["crm/deals"],
        [
            (
                "unknown pipeline",
                lambda r: r["pipeline"] not in ("new_business", "expansion", "renewal"),
            ),
            ("unknown deal_stage", lambda r: r["deal_stage"] not in open_stages),
            (
                "unknown currency",
                lambda r: r["amount"] is not None and cur(r["currency"]) not in KNOWN_CURRENCIES,
            ),
        ],
    )
    deal_ids = {r["deal_id"] for r in deals}
    keep(
        "crm/deal_stage_history",
        winners["crm/deal_stage_history"],
        [
            ("unknown deal_stage", lambda r: r["deal_stage"] not in open_stages),
            ("orphan deal_id", lambda r: r["deal_id"] not in deal_ids),
        ],
    )
    customers = keep(
        "billing/customers",
        [r for r in winners["billing/customers"] if r["customer_id"] not in test],
        [("unknown currency", lambda r: cur(r["currency"]) not in KNOWN_CURRENCIES)],
    )
    customer_ids = {r["customer_id"] for r in customers}
    prices = keep(
        "billing/prices",
        winners["billing/prices"],
        [
            (
                "unknown billing_interval",
                lambda r: r["billing_interval"] not in ("day", "week", "month", "year"),
            ),
            (
                "invalid interval_count",
                lambda r: r["interval_count"] is None or int(r["interval_count"]) < 1,
            ),
            ("negative unit_amount", lambda r: int(r["unit_amount"]) < 0),
            ("unknown currency", lambda r: cur(r["currency"]) not in KNOWN_CURRENCIES),
        ],
    )
    price_ids = {r["price_id"] for r in prices}
    subs = keep(
        "billing/subscriptions",
        [r for r in winners["billing/subscriptions"] if r["customer_id"] not in test],
        [
            (
                "unknown status",
                lambda r: (
                    r["status"]
                    not in (
                        "trialing",
                        "active",
                        "past_due",
                        "unpaid",
                        "canceled",
                        "incomplete",
                        "incomplete_expired",
                    )
                ),
            ),
            (
                "period end before start",
                lambda r: ts(r["current_period_end"]) < ts(r["current_period_start"]),
            ),
            ("orphan customer_id", lambda r: r["customer_id"] not in customer_ids),
        ],
    )
    sub_ids = {r["subscription_id"] for r in subs}
    invoices = keep(
        "billing/invoices",
        [r for r in winners["billing/invoices"] if r["customer_id"] not in test],
        [
            (
                "unknown status",
                lambda r: r["status"] not in ("draft", "open", "paid", "void", "uncollectible"),
            ),
            ("unknown currency", lambda r: cur(r["currency"]) not in KNOWN_CURRENCIES),
            ("period end before start", lambda r: ts(r["period_end"]) < ts(r["period_start"])),
            ("orphan customer_id", lambda r: r["customer_id"] not in customer_ids),
            (
                "orphan subscription_id",
                lambda r: r["subscription_id"] is not None and r["subscription_id"] not in sub_ids,
            ),
        ],
    )
    invoice_ids = {r["invoice_id"] for r in invoices}
    keep(
        "billing/invoice_line_items",
        [
            r
            for r in winners["billing/invoice_line_items"]
            if invoice_customer.get(r["invoice_id"]) not in test
        ],
        [
            ("unknown line_type", lambda r: r["line_type"] not in ("subscription", "invoiceitem")),
            ("negative quantity", lambda r: int(r["quantity"]) < 0),
            ("period end before start", lambda r: ts(r["period_end"]) < ts(r["period_start"])),
            ("orphan invoice_id", lambda r: r["invoice_id"] not in invoice_ids),
            (
                "orphan price_id",
                lambda r: r["price_id"] is not None and r["price_id"] not in price_ids,
            ),
            (
                "recurring line without price",
                lambda r: r["line_type"] == "subscription" and r["price_id"] is None,
            ),
        ],
    )
    keep(
        "billing/refunds",
        [
            r
            for r in winners["billing/refunds"]
            if invoice_customer.get(r["invoice_id"]) not in test
        ],
        [
            (
                "unknown status",
                lambda r: r["status"] not in ("succeeded", "pending", "failed", "canceled"),
            ),
            ("negative amount", lambda r: int(r["amount"]) < 0),
            ("unknown currency", lambda r: cur(r["currency"]) not in KNOWN_CURRENCIES),
            ("orphan invoice_id", lambda r: r["invoice_id"] not in invoice_ids),
        ],
    )
    keep(
        "finance/expenses",
        winners["finance/expenses"],
        [
            ("missing incurred_on", lambda r: r["incurred_on"] is None),
            ("unknown currency", lambda r: cur(r["currency"]) not in KNOWN_CURRENCIES),
        ],
    )
    keep(
        "finance/fx_rates",
        winners["finance/fx_rates"],
        [
            ("non-positive rate", lambda r: float(r["rate_to_usd"]) <= 0),
            ("unknown currency", lambda r: cur(r["currency"]) not in KNOWN_CURRENCIES),
        ],
    )
    return staged, +reasons, duplicates


@pytest.fixture(scope="session")
def staged_demo(demo: dict[str, list[Row]]) -> Staged:
    return stage_all(demo)


def iter_files(folder: Path) -> Iterator[Path]:
    for name in FILES:
        yield folder / name


# --------------------------------------------------------------------------- determinism


def test_same_arguments_give_identical_files(small_runs: tuple[Path, Path, Path]) -> None:
    first, second, _ = small_runs
    for name in FILES:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_default_arguments_reproduce_committed_demo(default_run: Path) -> None:
    if not (DEMO / "billing" / "invoices.csv").exists():
        pytest.skip("data/demo not generated")
    for name in FILES:
        assert (default_run / name).read_bytes() == (DEMO / name).read_bytes(), (
            f"{name} differs from data/demo"
        )


def test_another_seed_gives_other_data(small_runs: tuple[Path, Path, Path]) -> None:
    first, _, other = small_runs
    differing = [
        name for name in FILES if (first / name).read_bytes() != (other / name).read_bytes()
    ]
    assert "billing/invoices.csv" in differing and "crm/contacts.csv" in differing


def test_files_use_unix_line_endings(small_runs: tuple[Path, Path, Path]) -> None:
    for path in iter_files(small_runs[0]):
        assert b"\r\n" not in path.read_bytes(), path


# --------------------------------------------------------------------------- layout


@pytest.mark.parametrize("folder_name", ["small", "demo"])
def test_headers_are_exactly_the_contract_columns(
    folder_name: str, small_runs: tuple[Path, Path, Path]
) -> None:
    folder = small_runs[0] if folder_name == "small" else DEMO
    if not (folder / "billing" / "invoices.csv").exists():
        pytest.skip("data/demo not generated")
    for table, columns in CONTRACT.items():
        with (folder / f"{table}.csv").open(encoding="utf-8", newline="") as handle:
            assert next(csv.reader(handle)) == columns, table


def test_demo_size_is_reasonable(demo: dict[str, list[Row]]) -> None:
    total = sum(path.stat().st_size for path in iter_files(DEMO))
    assert total < 15 * 1024 * 1024
    live = {
        r["customer_id"]
        for r in demo["billing/customers"]
        if boolean(r["is_livemode"]) is not False
    }
    assert 600 <= len(live) <= 1100
    assert len(demo["crm/contacts"]) >= 2000 and len(demo["crm/deals"]) >= 1000


# --------------------------------------------------------------------------- contract


def test_each_quarantine_reason_is_hit_exactly_once(staged_demo: Staged) -> None:
    _, reasons, _ = staged_demo
    expected = {
        ("crm/contacts", "null key"),
        ("crm/contacts", "unknown lifecycle_stage"),
        ("crm/companies", "null key"),
        ("crm/owners", "null key"),
        ("crm/deals", "null key"),
        ("crm/deals", "unknown pipeline"),
        ("crm/deals", "unknown deal_stage"),
        ("crm/deals", "unknown currency"),
        ("crm/deal_stage_history", "null key"),
        ("crm/deal_stage_history", "unknown deal_stage"),
        ("crm/deal_stage_history", "orphan deal_id"),
        ("billing/customers", "null key"),
        ("billing/customers", "unknown currency"),
        ("billing/prices", "null key"),
        ("billing/prices", "unknown billing_interval"),
        ("billing/prices", "invalid interval_count"),
        ("billing/prices", "negative unit_amount"),
        ("billing/prices", "unknown currency"),
        ("billing/subscriptions", "null key"),
        ("billing/subscriptions", "unknown status"),
        ("billing/subscriptions", "period end before start"),
        ("billing/subscriptions", "orphan customer_id"),
        ("billing/invoices", "null key"),
        ("billing/invoices", "unknown status"),
        ("billing/invoices", "unknown currency"),
        ("billing/invoices", "period end before start"),
        ("billing/invoices", "orphan customer_id"),
        ("billing/invoices", "orphan subscription_id"),
        ("billing/invoice_line_items", "null key"),
        ("billing/invoice_line_items", "unknown line_type"),
        ("billing/invoice_line_items", "negative quantity"),
        ("billing/invoice_line_items", "period end before start"),
        ("billing/invoice_line_items", "orphan invoice_id"),
        ("billing/invoice_line_items", "orphan price_id"),
        ("billing/invoice_line_items", "recurring line without price"),
        ("billing/refunds", "null key"),
        ("billing/refunds", "unknown status"),
        ("billing/refunds", "negative amount"),
        ("billing/refunds", "unknown currency"),
        ("billing/refunds", "orphan invoice_id"),
        ("finance/expenses", "null key"),
        ("finance/expenses", "missing incurred_on"),
        ("finance/expenses", "unknown currency"),
        ("finance/fx_rates", "null key"),
        ("finance/fx_rates", "non-positive rate"),
        ("finance/fx_rates", "unknown currency"),
    }
    assert dict(reasons) == {reason: 1 for reason in expected}


def test_duplicate_loads_exist(staged_demo: Staged) -> None:
    _, _, duplicates = staged_demo
    for table in (
        "crm/contacts",
        "crm/deals",
        "crm/companies",
        "billing/invoices",
        "billing/invoice_line_items",
        "billing/subscriptions",
        "billing/refunds",
        "finance/fx_rates",
    ):
        assert duplicates[table] > 0, table


def test_clean_values_parse(demo: dict[str, list[Row]]) -> None:
    timestamp_columns = {
        "created_at",
        "updated_at",
        "closed_at",
        "entered_at",
        "started_at",
        "trial_start",
        "trial_end",
        "canceled_at",
        "ended_at",
        "current_period_start",
        "current_period_end",
        "period_start",
        "period_end",
        "paid_at",
        "became_lead_at",
        "became_mql_at",
        "became_sql_at",
        "became_opportunity_at",
        "became_customer_at",
    }
    boolean_columns = {
        "is_deleted",
        "is_active",
        "is_livemode",
        "cancel_at_period_end",
        "is_proration",
    }
    for rows in demo.values():
        for row in rows:
            for column, value in row.items():
                if column in timestamp_columns:
                    maybe_ts(value)
                elif column in boolean_columns:
                    boolean(value)
    company_ids = {r["company_id"] for r in demo["crm/companies"] if r["company_id"]}
    assert any(c.startswith("0") for c in company_ids)
    linked = {r["crm_company_id"] for r in demo["billing/customers"] if r["crm_company_id"]}
    assert linked <= company_ids


# --------------------------------------------------------------------------- arithmetic


def test_invoice_arithmetic(staged_demo: Staged) -> None:
    staged, _, _ = staged_demo
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for line in staged["billing/invoice_line_items"]:
        sums[line["invoice_id"]][0] += int(line["amount"])
        sums[line["invoice_id"]][1] += int(line["discount_amount"])
        assert int(line["discount_amount"]) >= 0
    for invoice in staged["billing/invoices"]:
        subtotal, discount, tax, total = (
            int(invoice[c]) for c in ("subtotal", "discount_total", "tax", "total")
        )
        assert total == subtotal - discount + tax, invoice["invoice_id"]
        assert [subtotal, discount] == sums[invoice["invoice_id"]], invoice["invoice_id"]
        if invoice["status"] == "paid":
            assert int(invoice["amount_paid"]) == max(total, 0) and invoice["paid_at"], invoice[
                "invoice_id"
            ]
        else:
            assert int(invoice["amount_paid"]) == 0 and invoice["paid_at"] is None, invoice[
                "invoice_id"
            ]


def test_recurring_lines_match_their_price(staged_demo: Staged) -> None:
    staged, _, _ = staged_demo
    prices = {r["price_id"]: r for r in staged["billing/prices"]}
    invoices = {r["invoice_id"]: r for r in staged["billing/invoices"]}
    trials = {
        r["subscription_id"]: ts(r["trial_start"])
        for r in staged["billing/subscriptions"]
        if r["trial_start"]
    }
    for line in staged["billing/invoice_line_items"]:
        if line["line_type"] != "subscription":
            continue
        price = prices[line["price_id"]]
        assert cur(price["currency"]) == cur(invoices[line["invoice_id"]]["currency"]), line[
            "line_item_id"
        ]
        assert ts(line["period_end"]) > ts(line["period_start"]), line["line_item_id"]
        if boolean(line["is_proration"]):
            continue
        full = int(price["unit_amount"]) * int(line["quantity"])
        is_trial = trials.get(line["subscription_id"]) == ts(line["period_start"])
        assert int(line["amount"]) == (0 if is_trial else full), line["line_item_id"]


def test_fx_rates_cover_every_dated_amount(staged_demo: Staged) -> None:
    staged, _, _ = staged_demo
    first_rate: dict[str, date] = {}
    for rate in staged["finance/fx_rates"]:
        code = cur(rate["currency"]) or ""
        assert code != "USD"
        assert len(rate["rate_to_usd"].split(".")[1]) <= 6
        day = date.fromisoformat(rate["rate_date"])
        first_rate[code] = min(first_rate.get(code, day), day)
    used: dict[str, date] = {}
    invoices = {r["invoice_id"]: r for r in staged["billing/invoices"]}
    for line in staged["billing/invoice_line_items"]:
        code = cur(invoices[line["invoice_id"]]["currency"]) or ""
        day = ts(line["period_start"]).date()
        used[code] = min(used.get(code, day), day)
    for expense in staged["finance/expenses"]:
        code = cur(expense["currency"]) or ""
        day = date.fromisoformat(expense["incurred_on"])
        used[code] = min(used.get(code, day), day)
    for deal in staged["crm/deals"]:
        if deal["amount"] is not None:
            code = cur(deal["currency"]) or ""
            day = ts(deal["created_at"]).date()
            used[code] = min(used.get(code, day), day)
    for code, day in used.items():
        if code != "USD":
            assert code in first_rate and (day - first_rate[code]).days >= 59, code


def test_as_of_date_is_the_last_day_of_the_story(staged_demo: Staged) -> None:
    staged, _, _ = staged_demo
    as_of = max(ts(r["created_at"]).date() for r in staged["billing/invoices"])
    assert as_of == date(2026, 9, 30)
    statuses = Counter(r["status"] for r in staged["billing/invoices"])
    assert {"paid", "open", "draft", "void", "uncollectible"} <= set(statuses)
    sub_statuses = Counter(r["status"] for r in staged["billing/subscriptions"])
    assert {"active", "canceled", "past_due", "trialing"} <= set(sub_statuses)


# --------------------------------------------------------------------------- large runs (blocks)


@pytest.fixture(scope="session")
def block_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A run cut into blocks (tiny blocks: 80 customers ~ 344 companies ~ 5 blocks of 80),
    generated in-process and on two worker processes, as CSV and as Parquet."""
    from generator import blocks

    base = tmp_path_factory.mktemp("blocks")
    saved = blocks.BLOCK_COMPANIES
    blocks.BLOCK_COMPANIES = 80
    try:
        runs = {
            "one_worker": run_generator(base / "w1", "--customers", "80", "--workers", "1"),
            "two_workers": run_generator(base / "w2", "--customers", "80", "--workers", "2"),
            "parquet": run_generator(
                base / "pq", "--customers", "80", "--workers", "2", "--format", "parquet"
            ),
        }
    finally:
        blocks.BLOCK_COMPANIES = saved
    return runs


def test_blocks_do_not_depend_on_workers(block_runs: dict[str, Path]) -> None:
    for name in FILES:
        one, two = (block_runs[key] / name for key in ("one_worker", "two_workers"))
        assert one.read_bytes() == two.read_bytes(), name
    assert not (block_runs["two_workers"] / ".parts").exists()


def test_parquet_holds_the_csv_rows(block_runs: dict[str, Path]) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    for table, columns in CONTRACT.items():
        parquet = pq.read_table(block_runs["parquet"] / f"{table}.parquet")
        assert parquet.column_names == columns, table
        assert all(str(field.type) == "string" for field in parquet.schema), table
        from_parquet = [tuple(row[c] for c in columns) for row in parquet.to_pylist()]
        with (block_runs["one_worker"] / f"{table}.csv").open(
            encoding="utf-8", newline=""
        ) as handle:
            from_csv = [
                tuple(v if v != "" else None for v in row) for row in list(csv.reader(handle))[1:]
            ]
        assert from_parquet == from_csv, table


def test_blocks_keep_the_mix_and_the_quarantine_reasons(block_runs: dict[str, Path]) -> None:
    data = {table: read_rows(block_runs["one_worker"], table) for table in CONTRACT}
    staged, reasons, duplicates = stage_all(data)
    assert all(count == 1 for count in reasons.values()) and len(reasons) == 46, dict(reasons)
    for table in ("crm/contacts", "crm/deals", "billing/invoices", "billing/invoice_line_items"):
        assert duplicates[table] > 0, table
    customers = {r["customer_id"] for r in data["billing/customers"] if r["customer_id"]}
    assert len(customers) >= 80 and any(c.startswith("cus_1") and len(c) > 10 for c in customers)
    statuses = Counter(r["status"] for r in staged["billing/invoices"])
    assert {"paid", "open", "draft", "uncollectible"} <= set(
        statuses
    )  # void is rare: 0.3% of cycles


def test_append_day_is_deterministic_and_only_appends(tmp_path: Path) -> None:
    """One appended day: the same bytes twice; every table starts with its old rows, in order."""
    from generator.append_day import TABLES, append_day

    demo_dir = DEMO
    first, second = tmp_path / "first", tmp_path / "second"
    day, counts = append_day(demo_dir, first)
    assert append_day(demo_dir, second) == (day, counts)
    assert all(counts.values()), counts
    for domain, tables in TABLES.items():
        for table in tables:
            written = (first / domain / f"{table}.csv").read_bytes()
            assert written == (second / domain / f"{table}.csv").read_bytes(), table
            with (demo_dir / domain / f"{table}.csv").open(newline="", encoding="utf-8") as old:
                old_rows = list(csv.reader(old))
            with (first / domain / f"{table}.csv").open(newline="", encoding="utf-8") as new:
                new_rows = list(csv.reader(new))
            assert new_rows[: len(old_rows)] == old_rows, table
