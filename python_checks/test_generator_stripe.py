"""Checks of the Fivetran Stripe shape of the demo data (generator/fivetran_stripe.py).

- determinism: two runs give the same bytes; the committed data/demo/stripe is what the
  converter makes of the committed contract files; --shapes fivetran_stripe alone and the
  converter run on its own write the same files; Parquet holds the CSV's rows;
- mapping: every contract billing row is one row of its Stripe table, in order;
- values: timestamps in UTC `YYYY-MM-DD HH:MM:SS`, booleans, lower-case currencies, a later
  load of an id synced strictly later (appended days included);
- the e-mail fallback, the subscription history, the 'basil' periods, the discounts, the
  charges and the three broken rows of the shape.

Expectations are computed from the contract CSVs here, with this file's own parsing, not with
the converter's helpers (the timestamp unit test excepted).
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from generator.fivetran_stripe import main as stripe_main  # noqa: E402
from generator.fivetran_stripe import normalise_ts  # noqa: E402
from generator.raw_data import main as raw_main  # noqa: E402
from python_checks.converter_checks import (  # noqa: E402
    Shape,
    assert_parquet_holds_the_csv,
    assert_reproduces_the_demo,
    assert_same_bytes,
)

DEMO = REPO / "data" / "demo"
Row = dict[str, str]

# The shape's columns, restated from the spec (not imported from the generator on purpose).
SUBSCRIPTION = (
    "id customer_id status created start_date trial_start trial_end cancel_at_period_end "
    "canceled_at ended_at current_period_start current_period_end livemode metadata"
)
COLUMNS: dict[str, str] = {
    "customer": "id email name description currency address_country created livemode "
    "is_deleted metadata _fivetran_synced",
    "product": "id name active livemode created is_deleted _fivetran_synced",
    "price": "id product_id nickname currency unit_amount recurring_interval "
    "recurring_interval_count type active livemode created is_deleted _fivetran_synced",
    "plan": "id product_id nickname currency amount interval interval_count active livemode "
    "created is_deleted _fivetran_synced",
    "subscription_history": SUBSCRIPTION
    + " _fivetran_start _fivetran_end _fivetran_active _fivetran_synced",
    "subscription": SUBSCRIPTION + " _fivetran_synced",
    "subscription_item": "id subscription_id price_id plan_id quantity created "
    "current_period_start current_period_end _fivetran_synced",
    "invoice": "id customer_id subscription_id status billing_reason currency created "
    "period_start period_end subtotal tax total amount_due amount_paid amount_remaining "
    "status_transitions_paid_at charge_id number livemode is_deleted _fivetran_synced",
    "invoice_line_item": "id invoice_id subscription_id subscription_item_id price_id plan_id "
    "type proration quantity amount currency period_start period_end description "
    "discountable livemode _fivetran_synced",
    "discount": "id type type_id amount coupon_id customer_id invoice_id invoice_item_id "
    "subscription_id promotion_code start end checkout_session _fivetran_synced",
    "coupon": "id name percent_off amount_off currency duration duration_in_months livemode "
    "valid created _fivetran_synced",
    "charge": "id invoice_id customer_id amount amount_refunded currency status paid captured "
    "livemode created _fivetran_synced",
    "refund": "id charge_id amount currency status reason created _fivetran_synced",
}
TIMESTAMPS = {
    "created",
    "start_date",
    "trial_start",
    "trial_end",
    "canceled_at",
    "ended_at",
    "current_period_start",
    "current_period_end",
    "period_start",
    "period_end",
    "status_transitions_paid_at",
    "start",
    "end",
    "_fivetran_start",
    "_fivetran_end",
    "_fivetran_synced",
}
BOOLEANS = {
    "livemode",
    "is_deleted",
    "active",
    "cancel_at_period_end",
    "_fivetran_active",
    "proration",
    "discountable",
    "paid",
    "captured",
    "valid",
}
STAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
BASIL = datetime(2025, 3, 31)


# --------------------------------------------------------------------------- helpers


def read_csv(path: Path) -> list[Row]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def header(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle))


def utc(value: str) -> datetime | None:
    """The contract's timestamp spellings (space or T, optional Z or offset, bare date)."""
    text = value.strip()
    if not text:
        return None
    match = re.fullmatch(
        r"(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}:\d{2}))?(Z|[+-]\d{2}:\d{2})?", text
    )
    assert match, value
    moment = datetime.fromisoformat(f"{match[1]} {match[2] or '00:00:00'}")
    offset = match[3]
    if offset and offset != "Z":
        sign = 1 if offset[0] == "+" else -1
        moment -= sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6]))
    return moment


def utc_text(value: str) -> str:
    moment = utc(value)
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S")


def run_raw(out: Path, *args: str) -> Path:
    assert raw_main(["--out", str(out), "--quiet", *args]) == 0
    return out


STRIPE = Shape("stripe", tuple(COLUMNS), stripe_main)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def small(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("stripe_small")
    both = "contract,fivetran_stripe"
    return {
        "first": run_raw(base / "a", "--customers", "40", "--shapes", both),
        "second": run_raw(base / "b", "--customers", "40", "--shapes", both),
        "alone": run_raw(base / "c", "--customers", "40", "--shapes", "fivetran_stripe"),
    }


@pytest.fixture(scope="session")
def demo() -> dict[str, list[Row]]:
    if not (DEMO / "stripe" / "invoice.csv").exists():
        pytest.skip("data/demo/stripe not generated")
    tables = {
        f"billing/{name}": read_csv(DEMO / "billing" / f"{name}.csv")
        for name in (
            "customers",
            "prices",
            "subscriptions",
            "invoices",
            "invoice_line_items",
            "refunds",
        )
    }
    tables["crm/companies"] = read_csv(DEMO / "crm" / "companies.csv")
    tables.update({table: read_csv(DEMO / "stripe" / f"{table}.csv") for table in COLUMNS})
    return tables


# --------------------------------------------------------------------------- determinism


def test_two_runs_give_identical_bytes(small: dict[str, Path]) -> None:
    assert_same_bytes(STRIPE, small["first"], small["second"])


def test_stripe_alone_keeps_no_contract_and_writes_the_same(small: dict[str, Path]) -> None:
    assert not (small["alone"] / "billing").exists()
    assert_same_bytes(STRIPE, small["first"], small["alone"])


def test_converter_alone_reproduces_the_committed_demo(tmp_path: Path) -> None:
    assert_reproduces_the_demo(STRIPE, DEMO, tmp_path)


def test_parquet_holds_the_csv_rows(small: dict[str, Path], tmp_path: Path) -> None:
    assert_parquet_holds_the_csv(STRIPE, small["first"], tmp_path)


# --------------------------------------------------------------------------- layout, mapping


def test_headers_are_the_spec_columns(small: dict[str, Path]) -> None:
    for folder in (small["first"], DEMO):
        if not (folder / "stripe" / "invoice.csv").exists():
            continue
        for table, columns in COLUMNS.items():
            assert header(folder / "stripe" / f"{table}.csv") == columns.split(), table
    assert "livemode" not in COLUMNS["subscription_item"].split()
    assert not {"livemode", "invoice_id"} & set(COLUMNS["refund"].split())
    assert "discount_total" not in COLUMNS["invoice"].split()
    assert "discount_amount" not in COLUMNS["invoice_line_item"].split()


def test_every_contract_row_is_one_row_in_order(demo: dict[str, list[Row]]) -> None:
    pairs = [
        ("customers", "customer_id", "customer", ()),
        ("prices", "price_id", "price", ()),
        ("prices", "price_id", "plan", ()),
        ("subscriptions", "subscription_id", "subscription", ()),
        ("invoices", "invoice_id", "invoice", ()),
        ("invoice_line_items", "line_item_id", "invoice_line_item", ()),
        ("refunds", "refund_id", "refund", ("re_999905",)),
    ]
    for contract, key, stripe, extra in pairs:
        expected = [row[key] for row in demo[f"billing/{contract}"]] + list(extra)
        assert [row["id"] for row in demo[stripe]] == expected, stripe
    # history: every contract row, plus one trial version before the first load with a trial
    expected = []
    seen: set[str] = set()
    for row in demo["billing/subscriptions"]:
        if row["subscription_id"] not in seen and row["trial_start"]:
            expected.append((row["subscription_id"], "trialing"))
        seen.add(row["subscription_id"])
        expected.append((row["subscription_id"], row["status"]))
    history = [(row["id"], row["status"]) for row in demo["subscription_history"]]
    assert history == expected
    products = list(dict.fromkeys(row["product_id"] for row in demo["billing/prices"]))
    assert [row["id"] for row in demo["product"]] == [p for p in products if p]


def test_values_are_normalised(demo: dict[str, list[Row]]) -> None:
    for table in COLUMNS:
        for row in demo[table]:
            for column, value in row.items():
                if column in TIMESTAMPS and value:
                    assert STAMP.fullmatch(value), (table, column, value)
                if column in BOOLEANS and value:
                    assert value in ("true", "false"), (table, column, value)
                if column == "currency":
                    assert value == value.lower(), (table, value)
    for contract, stripe, pairs in (
        (
            "invoices",
            "invoice",
            (("created_at", "created"), ("paid_at", "status_transitions_paid_at")),
        ),
        (
            "subscriptions",
            "subscription",
            (("created_at", "created"), ("started_at", "start_date")),
        ),
        ("refunds", "refund", (("created_at", "created"),)),
    ):
        for raw, out in zip(demo[f"billing/{contract}"], demo[stripe]):
            for raw_column, column in pairs:
                assert out[column] == utc_text(raw[raw_column]), (stripe, out["id"])


def test_timestamp_spellings() -> None:
    assert normalise_ts("2024-01-31 23:30:00-05:00") == "2024-02-01 04:30:00"
    assert normalise_ts("2024-01-31T23:30:00+0530") == "2024-01-31 18:00:00"
    assert normalise_ts("2024-01-31T02:00:00+05") == "2024-01-30 21:00:00"
    assert normalise_ts("2025-01-10T19:52:11Z") == "2025-01-10 19:52:11"
    assert normalise_ts("2023-12-31T03:36:36") == "2023-12-31 03:36:36"
    assert normalise_ts("2023-12-31 03:36:36.750Z") == "2023-12-31 03:36:36"
    assert normalise_ts("2024-02-29") == "2024-02-29 00:00:00"
    for unparseable in ("2024-13-01 00:00:00", "2024-01-31 10:00:00+15:00", "soon"):
        assert normalise_ts(unparseable) == unparseable
    assert normalise_ts("") == ""


def test_a_later_load_is_synced_strictly_later(demo: dict[str, list[Row]]) -> None:
    repeated = 0
    tables = ("customer", "price", "plan", "subscription", "invoice", "invoice_line_item")
    for table in (*tables, "discount", "refund"):
        last: dict[str, str] = {}
        for row in demo[table]:
            if row["id"] in last:
                repeated += 1
                assert row["_fivetran_synced"] > last[row["id"]], (table, row["id"])
            last[row["id"]] = row["_fivetran_synced"]
    assert repeated > 100


def test_appended_day_reloads_are_synced_later(tmp_path: Path) -> None:
    """An appended day loads old invoices again (voided weeks later) at the end of the file."""
    from generator.append_day import append_day

    append_day(DEMO, tmp_path)
    assert stripe_main(["--contract-dir", str(tmp_path), "--out", str(tmp_path), "--quiet"]) == 0
    for table in ("invoice", "invoice_line_item", "subscription", "customer"):
        last: dict[str, str] = {}
        for row in read_csv(tmp_path / "stripe" / f"{table}.csv"):
            if row["id"] in last:
                assert row["_fivetran_synced"] > last[row["id"]], (table, row["id"])
            last[row["id"]] = row["_fivetran_synced"]


# --------------------------------------------------------------------------- customers


def live_domains(companies: list[Row]) -> dict[str, list[str]]:
    """domain -> the live companies holding it (latest load per company_id)."""
    latest = {row["company_id"]: row for row in companies if row["company_id"].strip()}
    holders: dict[str, list[str]] = defaultdict(list)
    for company_id, row in latest.items():
        if row["is_deleted"].strip().lower() != "true":
            holders[row["domain"].strip().lower()].append(company_id)
    return holders


def test_email_fallback_customers_are_unambiguous(demo: dict[str, list[Row]]) -> None:
    holders = live_domains(demo["crm/companies"])
    fallback, linked, eligible = 0, 0, 0
    for raw, out in zip(demo["billing/customers"], demo["customer"]):
        metadata = json.loads(out["metadata"])
        company = raw["crm_company_id"].strip()
        domain = raw["email"].rsplit("@", 1)[-1].lower() if "@" in raw["email"] else ""
        if holders.get(domain) == [company]:
            eligible += 1
        if not company:
            assert metadata == {}, out["id"]
        elif "crm_company_id" in metadata:
            assert metadata["crm_company_id"] == company, out["id"]
            linked += 1
        else:
            assert holders.get(domain) == [company], (out["id"], domain, holders.get(domain))
            assert set(metadata) <= {"plan_source"}, out["id"]
            fallback += 1
    assert 0.3 * eligible <= fallback <= 0.7 * eligible, (fallback, eligible)
    assert linked > fallback > 0


def test_customer_flags(demo: dict[str, list[Row]]) -> None:
    for raw, out in zip(demo["billing/customers"], demo["customer"]):
        assert out["livemode"] == (raw["is_livemode"].lower() or "true"), out["id"]
        assert out["is_deleted"] == (raw["is_deleted"].lower() or "false"), out["id"]
        assert out["currency"] == raw["currency"].lower()


# --------------------------------------------------------------------------- subscriptions


def test_history_versions_chain(demo: dict[str, list[Row]]) -> None:
    versions: dict[str, list[Row]] = defaultdict(list)
    for row in demo["subscription_history"]:
        versions[row["id"]].append(row)
    for subscription, rows in versions.items():
        assert [row["_fivetran_active"] for row in rows] == ["false"] * (len(rows) - 1) + [
            "true"
        ], subscription
        assert rows[-1]["_fivetran_end"] == "9999-12-31 23:59:59"
        for earlier, later in zip(rows, rows[1:]):
            assert earlier["_fivetran_end"] == later["_fivetran_start"], subscription
            assert earlier["_fivetran_start"] < later["_fivetran_start"], subscription
        if rows[0]["status"] == "trialing" and rows[0]["trial_start"]:
            assert rows[0]["canceled_at"] == rows[0]["ended_at"] == ""


def test_basil_subscriptions_have_the_period_on_items_only(demo: dict[str, list[Row]]) -> None:
    latest = {row["subscription_id"]: row for row in demo["billing/subscriptions"]}
    basil = {sid for sid, row in latest.items() if (utc(row["created_at"]) or BASIL) >= BASIL}
    assert 0 < len(basil) < len(latest)
    for table in ("subscription", "subscription_history"):
        for row in demo[table]:
            period = (row["current_period_start"], row["current_period_end"])
            if row["id"] in basil:
                assert period == ("", ""), (table, row["id"])
            elif row["status"] != "trialing":
                assert all(period), (table, row["id"])
    items = [row for row in demo["subscription_item"] if row["subscription_id"] in latest]
    assert {row["subscription_id"] for row in items} & basil
    for item in items:
        period = (item["current_period_start"], item["current_period_end"])
        contract = latest[item["subscription_id"]]
        if item["subscription_id"] in basil:
            expected = (
                utc_text(contract["current_period_start"]),
                utc_text(contract["current_period_end"]),
            )
            assert period == expected, item["id"]
        else:
            assert period == ("", ""), item["id"]


def test_lines_point_at_the_item_of_their_subscription_and_price(
    demo: dict[str, list[Row]],
) -> None:
    invoice_sub = {row["invoice_id"]: row["subscription_id"] for row in demo["billing/invoices"]}
    items = {row["id"]: row for row in demo["subscription_item"]}
    expected_items: dict[tuple[str, str], str] = {}
    for raw, out in zip(demo["billing/invoice_line_items"], demo["invoice_line_item"]):
        subscription = raw["subscription_id"] or invoice_sub.get(raw["invoice_id"], "")
        if raw["line_type"].lower() != "subscription" or not subscription or not raw["price_id"]:
            assert out["subscription_item_id"] == "", out["id"]
            continue
        item = items[out["subscription_item_id"]]
        assert (item["subscription_id"], item["price_id"]) == (subscription, raw["price_id"])
        assert expected_items.setdefault((subscription, raw["price_id"]), item["id"]) == item["id"]
    assert len(expected_items) == len(items) - 1  # + the broken item


# --------------------------------------------------------------------------- money


def test_discounts_per_invoice_equal_the_line_discounts(demo: dict[str, list[Row]]) -> None:
    expected: Counter[str] = Counter()
    for row in demo["billing/invoice_line_items"]:
        expected[row["invoice_id"]] += int(row["discount_amount"] or 0)
    written: Counter[str] = Counter()
    for row in demo["discount"]:
        if row["id"] != "di_99999999":
            written[row["invoice_id"]] += int(row["amount"])
    assert +written == +expected
    coupons = {row["id"] for row in demo["coupon"]}
    assert all(row["coupon_id"] in coupons for row in demo["discount"])


def test_invoice_amounts_and_charges(demo: dict[str, list[Row]]) -> None:
    charges = {row["id"]: row for row in demo["charge"]}
    assert len(charges) == len(demo["charge"])
    for raw, out in zip(demo["billing/invoices"], demo["invoice"]):
        assert out["amount_due"] == out["total"] == raw["total"]
        assert int(out["amount_remaining"]) == int(raw["total"]) - int(raw["amount_paid"])
        if int(raw["amount_paid"]) > 0:
            assert charges[out["charge_id"]]["invoice_id"] == raw["invoice_id"]
    for raw, out in zip(demo["billing/refunds"], demo["refund"]):
        assert charges[out["charge_id"]]["invoice_id"] == raw["invoice_id"], out["id"]


# --------------------------------------------------------------------------- broken rows


def test_the_shape_own_broken_rows(demo: dict[str, list[Row]]) -> None:
    lines = {row["line_item_id"] for row in demo["billing/invoice_line_items"]}
    subscriptions = {row["subscription_id"] for row in demo["billing/subscriptions"]}
    discount = [row for row in demo["discount"] if row["id"] == "di_99999999"]
    assert len(discount) == 1 and discount[0]["type"] == "parent_invoice_line_item"
    assert discount[0]["type_id"] == "il_99999999" not in lines
    charge = [row for row in demo["charge"] if row["id"] == "ch_9999901"]
    assert len(charge) == 1 and charge[0]["invoice_id"] == ""
    refund = [row for row in demo["refund"] if row["id"] == "re_999905"]
    assert len(refund) == 1 and refund[0]["charge_id"] == "ch_9999901"
    item = [row for row in demo["subscription_item"] if row["id"] == "si_999999_1"]
    assert len(item) == 1 and item[0]["subscription_id"] == "sub_999999" not in subscriptions
