"""Checks of the Fivetran Salesforce shape of the demo data (generator/fivetran_salesforce.py).

- determinism: two runs give the same bytes; the committed data/demo/salesforce is what the
  converter makes of the committed contract files; --shapes fivetran_salesforce alone and the
  converter run on its own write the same files; Parquet holds the CSV's rows;
- mapping: every contract CRM row is accounted for: one lead per contact row, one account per
  company row, one user per owner row, one opportunity per deal row, one opportunity_history
  row per stage entry (plus the restating rows), a contact row per converted load;
- values: timestamps in UTC `YYYY-MM-DD HH:MM:SS`, dates, booleans, the lead status and
  source, opportunity types and stages, close dates, a later load synced strictly later
  (appended day included);
- the stage-date custom fields equal the contract's (and read back as the warehouse reads
  them); the lead_history status chains and leadConverted rows; the opportunity history-mode
  chains; the restating opportunity_history rows; the contract's broken rows and the three of
  the shape.

Expectations are computed from the contract CSVs here (with the HubSpot checks' parsing), not
with the converter's helpers; only its two deterministic choices (`lacks_converted_row`,
`restates`) are imported.
"""

from __future__ import annotations

import re
import sys
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from generator.fivetran_salesforce import lacks_converted_row, restates  # noqa: E402
from generator.fivetran_salesforce import main as salesforce_main  # noqa: E402
from python_checks.converter_checks import (  # noqa: E402
    Shape,
    assert_parquet_holds_the_csv,
    assert_reproduces_the_demo,
    assert_same_bytes,
)
from python_checks.test_generator_hubspot import (  # noqa: E402
    channel,
    channels,
    header,
    read_csv,
    run_raw,
    synced_later,
    utc,
    utc_text,
    winners,
)

DEMO = REPO / "data" / "demo"
Row = dict[str, str]

# The shape's columns, restated from the spec (not imported from the generator on purpose).
STAGE_COLUMNS = (
    "became_lead_at",
    "became_mql_at",
    "became_sql_at",
    "became_opportunity_at",
    "became_customer_at",
)
STAGE_FIELDS = [column.replace("_at", "_date_c") for column in STAGE_COLUMNS]
RECORD = "created_date last_modified_date is_deleted _fivetran_deleted _fivetran_synced"
COLUMNS: dict[str, str] = {
    "user": "id email first_name last_name department is_active _fivetran_deleted _fivetran_synced",
    "account": f"id name website industry billing_country number_of_employees owner_id {RECORD}",
    "lead": "id first_name last_name email company status lead_source owner_id "
    "matched_account_id_c is_converted converted_date converted_account_id "
    f"converted_contact_id converted_opportunity_id {' '.join(STAGE_FIELDS)} {RECORD}",
    "lead_history": "id lead_id field old_value new_value created_date is_deleted _fivetran_synced",
    "contact": "id account_id first_name last_name email lead_source owner_id "
    f"{' '.join(STAGE_FIELDS)} {RECORD}",
    "opportunity": "id account_id owner_id name type stage_name is_closed is_won amount "
    "currency_iso_code created_date close_date last_modified_date is_deleted _fivetran_start "
    "_fivetran_end _fivetran_active _fivetran_synced",
    "opportunity_history": "id opportunity_id stage_name amount close_date created_date "
    "is_deleted _fivetran_synced",
    "lead_status": "id master_label is_converted sort_order _fivetran_synced",
}
TIMESTAMPS = {
    "created_date",
    "last_modified_date",
    "_fivetran_start",
    "_fivetran_end",
    "_fivetran_synced",
    *STAGE_FIELDS,
}
DATES = {"converted_date", "close_date"}
BOOLEANS = {"is_deleted", "_fivetran_deleted", "_fivetran_active", "is_converted"}
BOOLEANS |= {"is_closed", "is_won"}
STAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
FAR_FUTURE = "9999-12-31 23:59:59"

LEAD_SOURCES = {
    "organic_search": "Organic Search",
    "paid_search": "Paid Search",
    "paid_social": "Paid Social",
    "referral": "Customer Referral",
    "partner": "Partner Referral",
    "events": "Trade Show",
    "outbound": "Outbound Prospecting",
    "direct": "Website Direct",
}
STATUSES = {
    "subscriber": "Subscriber",
    "lead": "Open - Not Contacted",
    "marketingqualifiedlead": "Marketing Qualified",
    "salesqualifiedlead": "Sales Qualified",
    "other": "Closed - Not Converted",
}
CONVERTING = ("opportunity", "customer", "evangelist")
TYPES = {"new_business": "New Business", "expansion": "Expansion", "renewal": "Renewal"}
STAGE_NAMES = {
    "appointmentscheduled": "Prospecting",
    "qualifiedtobuy": "Qualification",
    "presentationscheduled": "Proposal/Price Quote",
    "decisionmakerboughtin": "Id. Decision Makers",
    "contractsent": "Negotiation/Review",
    "closedwon": "Closed Won",
    "closedlost": "Closed Lost",
}
ANCHOR = "5000001"  # the first demo deal of a known pipeline and stage with a live company


# --------------------------------------------------------------------------- helpers


def load(folder: Path) -> dict[str, list[Row]]:
    tables = {
        f"crm/{table}": read_csv(folder / "crm" / f"{table}.csv")
        for table in ("contacts", "companies", "deals", "deal_stage_history", "owners")
    }
    tables.update({table: read_csv(folder / "salesforce" / f"{table}.csv") for table in COLUMNS})
    return tables


SALESFORCE = Shape("salesforce", tuple(COLUMNS), salesforce_main)


def day(value: str) -> str:
    return utc_text(value)[:10]


def close_date(deal: Row) -> str:
    if deal["deal_stage"] in ("closedwon", "closedlost"):
        return day(deal["closed_at"])
    created = utc(deal["created_at"])
    return "" if created is None else (created + timedelta(days=30)).strftime("%Y-%m-%d")


def raised(amount: str) -> str:
    if not amount:
        return ""
    value = Decimal(amount)
    places = Decimal(1).scaleb(min(int(value.as_tuple().exponent), 0))
    return str((value * Decimal("1.1")).quantize(places, rounding=ROUND_HALF_UP))


def converted_contacts(tables: dict[str, list[Row]]) -> set[str]:
    return {
        contact
        for contact, row in winners(tables["crm/contacts"], "contact_id", "updated_at").items()
        if row["became_opportunity_at"].strip() and row["company_id"].strip()
    }


def live_companies(tables: dict[str, list[Row]]) -> set[str]:
    latest = winners(tables["crm/companies"], "company_id", "updated_at")
    return {company for company, row in latest.items() if row["is_deleted"].lower() != "true"}


def anchor_deal(tables: dict[str, list[Row]]) -> tuple[str, str]:
    """(deal id, at) of the broken rows' anchor, restated from the spec."""
    live = live_companies(tables)
    deal = next(
        row
        for row in tables["crm/deals"]
        if row["deal_id"]
        and row["company_id"] in live
        and row["pipeline"] in TYPES
        and row["deal_stage"] in STAGE_NAMES
    )
    dates = [
        utc(row["entered_at"])
        for row in tables["crm/deal_stage_history"]
        if row["deal_id"] == deal["deal_id"] and row["entered_at"]
    ]
    latest = max(moment for moment in dates if moment is not None)
    return deal["deal_id"], (latest + timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")


def restated_entry(entries: list[tuple[int, Row]]) -> tuple[int, str] | None:
    """(contract row number, created_date) of a chosen deal's restating row: after its
    earliest entry with a known stage that the next entry in time follows by 2 s or more."""
    dated = sorted(
        (moment, number, row)
        for number, row in entries
        if (moment := utc(row["entered_at"])) is not None
    )
    for (moment, number, row), (following, _, _) in zip(dated, dated[1:]):
        gap = int((following - moment).total_seconds())
        if row["deal_stage"] in STAGE_NAMES and gap >= 2:
            return number, (moment + timedelta(seconds=gap // 2)).strftime("%Y-%m-%d %H:%M:%S")
    return None


def expected_history(tables: dict[str, list[Row]]) -> tuple[list[tuple[str, ...]], int]:
    """(opportunity_id, stage_name, amount, close_date, created_date) of every
    opportunity_history row, and how many restate."""
    deals = winners(tables["crm/deals"], "deal_id", "updated_at")
    entries: dict[str, list[tuple[int, Row]]] = defaultdict(list)
    for number, row in enumerate(tables["crm/deal_stage_history"]):
        entries[row["deal_id"]].append((number, row))
    restating: dict[int, str] = {}
    for deal, rows in entries.items():
        if deal and deal in deals and len(rows) >= 2 and restates(deal):
            chosen = restated_entry(rows)
            if chosen is not None:
                restating[chosen[0]] = chosen[1]
    expected: list[tuple[str, ...]] = []
    for number, row in enumerate(tables["crm/deal_stage_history"]):
        deal = deals.get(row["deal_id"])
        amount, closes = ("", "") if deal is None else (deal["amount"], close_date(deal))
        stage = STAGE_NAMES.get(row["deal_stage"], row["deal_stage"])
        expected.append((row["deal_id"], stage, amount, closes, utc_text(row["entered_at"])))
        if number in restating:
            expected.append((row["deal_id"], stage, raised(amount), closes, restating[number]))
    anchor, at = anchor_deal(tables)
    winner = deals[anchor]
    expected.append(("5999906", "Prospecting", "", "", at))
    expected.append((anchor, "Negotiation (legacy)", winner["amount"], close_date(winner), at))
    return expected, len(restating)


def expected_lead_history(tables: dict[str, list[Row]]) -> list[tuple[str, ...]]:
    """(lead_id, field, old, new, created_date) of every lead_history row: the winning loads'
    status chains, in the order of those loads in the file."""
    latest = winners(tables["crm/contacts"], "contact_id", "updated_at")
    converted = converted_contacts(tables)
    expected: list[tuple[str, ...]] = []
    for row in tables["crm/contacts"]:
        contact = row["contact_id"]
        if not contact or latest[contact] is not row:
            continue
        columns = [("became_mql_at", "Marketing Qualified"), ("became_sql_at", "Sales Qualified")]
        if contact in converted:
            columns.append(("became_opportunity_at", "Closed - Converted"))
        marks = sorted(
            (utc_text(row[column]), order, status)
            for order, (column, status) in enumerate(columns)
            if row[column]
        )
        previous = "Open - Not Contacted"
        for at, _, status in marks:
            expected.append((f"00Q{contact}", "Status", previous, status, at))
            previous = status
            if status == "Closed - Converted" and not lacks_converted_row(contact):
                expected.append((f"00Q{contact}", "leadConverted", "false", "true", at))
    return expected


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def small(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("salesforce_small")
    both = "contract,fivetran_salesforce"
    return {
        "first": run_raw(base / "a", "--customers", "40", "--shapes", both),
        "second": run_raw(base / "b", "--customers", "40", "--shapes", both),
        "alone": run_raw(base / "c", "--customers", "40", "--shapes", "fivetran_salesforce"),
    }


@pytest.fixture(scope="session")
def demo() -> dict[str, list[Row]]:
    if not (DEMO / "salesforce" / "lead.csv").exists():
        pytest.skip("data/demo/salesforce not generated")
    return load(DEMO)


@pytest.fixture(scope="session")
def appended(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Row]]:
    """The demo with one appended day (contacts and deals loaded again, late stage entries)."""
    from generator.append_day import append_day

    folder = tmp_path_factory.mktemp("salesforce_appended")
    append_day(DEMO, folder)
    assert salesforce_main(["--contract-dir", str(folder), "--out", str(folder), "--quiet"]) == 0
    return load(folder)


# --------------------------------------------------------------------------- determinism


def test_two_runs_give_identical_bytes(small: dict[str, Path]) -> None:
    assert_same_bytes(SALESFORCE, small["first"], small["second"])


def test_salesforce_alone_keeps_no_contract_and_writes_the_same(small: dict[str, Path]) -> None:
    assert not (small["alone"] / "crm").exists()
    assert not (small["alone"] / "hubspot").exists()
    assert_same_bytes(SALESFORCE, small["first"], small["alone"])


def test_converter_alone_reproduces_the_committed_demo(tmp_path: Path) -> None:
    assert_reproduces_the_demo(SALESFORCE, DEMO, tmp_path)


def test_parquet_holds_the_csv_rows(small: dict[str, Path], tmp_path: Path) -> None:
    assert_parquet_holds_the_csv(SALESFORCE, small["first"], tmp_path)


# --------------------------------------------------------------------------- layout, mapping


def test_headers_are_the_spec_columns(small: dict[str, Path]) -> None:
    for folder in (small["first"], DEMO):
        if not (folder / "salesforce" / "lead.csv").exists():
            continue
        for table, columns in COLUMNS.items():
            assert header(folder / "salesforce" / f"{table}.csv") == columns.split(), table


def test_every_contract_row_is_one_row_in_order(demo: dict[str, list[Row]]) -> None:
    pairs = [
        ("owners", "owner_id", "user", ()),
        ("companies", "company_id", "account", ("999907",)),
        ("deals", "deal_id", "opportunity", ("5999907",)),
    ]
    for contract, key, table, extra in pairs:
        expected = [row[key] for row in demo[f"crm/{contract}"]] + list(extra)
        assert [row["id"] for row in demo[table]] == expected, table
    leads = [f"00Q{row['contact_id']}" if row["contact_id"] else "" for row in demo["crm/contacts"]]
    assert [row["id"] for row in demo["lead"]] == leads
    for table, prefix in (("lead_history", "017"), ("opportunity_history", "008")):
        ids = [f"{prefix}{number:012d}" for number in range(1, len(demo[table]) + 1)]
        assert [row["id"] for row in demo[table]] == ids, table


def test_values_are_normalised(demo: dict[str, list[Row]]) -> None:
    for table in COLUMNS:
        for row in demo[table]:
            for column, value in row.items():
                if column in TIMESTAMPS and value:
                    assert STAMP.fullmatch(value), (table, column, value)
                if column in DATES and value:
                    assert DATE.fullmatch(value), (table, column, value)
                if column in BOOLEANS:
                    assert value in ("true", "false"), (table, column, value)
            if "_fivetran_deleted" in row:
                assert row["_fivetran_deleted"] == "false", (table, row["id"])
    for raw, out in zip(demo["crm/owners"], demo["user"]):
        assert out["department"] == raw["team"], out["id"]
        assert out["is_active"] == raw["is_active"].lower(), out["id"]
    for raw, out in zip(demo["crm/companies"], demo["account"]):
        website = f"https://www.{raw['domain']}" if raw["domain"] else ""
        assert out["website"] == website, out["id"]
        assert out["billing_country"] == raw["country"], out["id"]
        assert out["industry"] == raw["industry"], out["id"]
        assert out["number_of_employees"] == raw["employee_count"], out["id"]
        assert out["created_date"] == utc_text(raw["created_at"]), out["id"]
        assert out["last_modified_date"] == utc_text(raw["updated_at"]), out["id"]
        assert out["is_deleted"] == (raw["is_deleted"].lower() or "false"), out["id"]
    assert any(not row["website"] for row in demo["account"])


def test_a_later_load_is_synced_strictly_later(demo: dict[str, list[Row]]) -> None:
    repeated = sum(synced_later(demo[table], "id") for table in ("lead", "account"))
    synced_later(demo["user"], "id")
    assert repeated > 50
    check_entries_synced(demo)


def test_a_first_load_is_synced_five_minutes_after_its_update(demo: dict[str, list[Row]]) -> None:
    for contract, table in (("crm/contacts", "lead"), ("crm/companies", "account")):
        seen: set[str] = set()
        for raw, out in zip(demo[contract], demo[table]):
            if out["id"] not in seen:
                seen.add(out["id"])
                updated = utc(raw["updated_at"])
                assert updated is not None, out["id"]
                expected = f"{updated + timedelta(minutes=5):%Y-%m-%d %H:%M:%S}"
                assert out["_fivetran_synced"] == expected, out["id"]


def check_entries_synced(tables: dict[str, list[Row]]) -> None:
    """A deal's opportunity_history rows: each synced after the previous one."""
    last: dict[str, str] = {}
    for row in tables["opportunity_history"]:
        assert row["_fivetran_synced"] > last.get(row["opportunity_id"], ""), row["id"]
        last[row["opportunity_id"]] = row["_fivetran_synced"]


# --------------------------------------------------------------------------- leads, contacts


def test_lead_columns_from_the_contract_row(demo: dict[str, list[Row]]) -> None:
    names = {
        company: row["name"]
        for company, row in winners(demo["crm/companies"], "company_id", "updated_at").items()
    }
    for raw, out in zip(demo["crm/contacts"], demo["lead"]):
        for column in ("first_name", "last_name", "email", "owner_id"):
            assert out[column] == raw[column], (out["id"], column)
        company = names.get(raw["company_id"], "") if raw["company_id"] else ""
        assert out["company"] == (company or "[not provided]"), out["id"]
        assert out["matched_account_id_c"] == raw["company_id"], out["id"]
        assert out["created_date"] == utc_text(raw["created_at"]), out["id"]
        assert out["last_modified_date"] == utc_text(raw["updated_at"]), out["id"]
        assert out["is_deleted"] == (raw["is_deleted"].lower() or "false"), out["id"]
    assert any(row["company"] == "[not provided]" for row in demo["lead"])


def test_lead_status_from_the_row_lifecycle_stage(demo: dict[str, list[Row]]) -> None:
    for raw, out in zip(demo["crm/contacts"], demo["lead"]):
        stage = raw["lifecycle_stage"].strip().lower()
        if stage in CONVERTING:
            converted = bool(raw["became_opportunity_at"])
            expected = "Closed - Converted" if converted else "Sales Qualified"
        else:
            expected = STATUSES.get(stage, raw["lifecycle_stage"])
        assert out["status"] == expected, (out["id"], raw["lifecycle_stage"])
    statuses = Counter(row["status"] for row in demo["lead"])
    assert set(statuses) == {*STATUSES.values(), "Closed - Converted", "bogus"}, statuses


def test_lead_statuses_table(demo: dict[str, list[Row]]) -> None:
    rows = [
        (row["master_label"], row["is_converted"], row["sort_order"]) for row in demo["lead_status"]
    ]
    labels = ["Subscriber", "Open - Not Contacted", "Marketing Qualified", "Sales Qualified"]
    labels += ["Closed - Converted", "Closed - Not Converted"]
    assert rows == [
        (label, "true" if label == "Closed - Converted" else "false", str(order))
        for order, label in enumerate(labels, start=1)
    ]


def test_lead_sources_round_trip_case_insensitively(demo: dict[str, list[Row]]) -> None:
    listed = channels()
    assert set(LEAD_SOURCES) | {"unknown"} == listed
    decode = {label.lower(): name for name, label in LEAD_SOURCES.items()}
    seen: Counter[str] = Counter()
    unknown: Counter[str] = Counter()
    label_of: dict[str, str] = {}
    varied = 0
    for raw, out in zip(demo["crm/contacts"], demo["lead"]):
        name = channel(raw["lead_source"], listed)
        label = out["lead_source"]
        seen[name] += 1
        assert decode.get(label.lower(), "unknown") == name, (out["id"], raw["lead_source"], label)
        if name == "unknown":
            assert label.lower() in ("other", ""), (out["id"], label)
            unknown["other" if label else "empty"] += 1
        else:
            assert label.lower() == LEAD_SOURCES[name].lower(), (out["id"], label)
        canonical = LEAD_SOURCES.get(name, "Other" if label else "")
        varied += label != canonical
        assert label_of.setdefault(out["id"], label) == label, out["id"]  # same for its loads
    assert set(seen) == listed, seen
    assert min(unknown.values()) >= 0.3 * seen["unknown"], unknown
    assert 0.05 * len(demo["lead"]) <= varied <= 0.15 * len(demo["lead"]), varied


def test_conversion_columns_and_contact_rows(demo: dict[str, list[Row]]) -> None:
    converted = converted_contacts(demo)
    expected_contacts: list[tuple[str, ...]] = []
    for raw, out in zip(demo["crm/contacts"], demo["lead"]):
        contact = raw["contact_id"]
        if contact in converted and raw["became_opportunity_at"]:
            conversion = ("true", day(raw["became_opportunity_at"]), raw["company_id"], contact, "")
            expected_contacts.append(
                (
                    contact,
                    raw["company_id"],
                    raw["first_name"],
                    raw["last_name"],
                    raw["email"],
                    out["lead_source"],
                    raw["owner_id"],
                    *(out[field] for field in STAGE_FIELDS),
                    utc_text(raw["became_opportunity_at"]),
                    utc_text(raw["updated_at"]),
                    out["is_deleted"],
                    "false",
                    out["_fivetran_synced"],
                )
            )
        else:
            conversion = ("false", "", "", "", "")
        columns = ("is_converted", "converted_date", "converted_account_id")
        columns += ("converted_contact_id", "converted_opportunity_id")
        assert tuple(out[column] for column in columns) == conversion, out["id"]
    assert [tuple(row.values()) for row in demo["contact"]] == expected_contacts
    assert len(converted) > 500
    assert len({row["id"] for row in demo["contact"]}) == len(converted)


def test_stage_date_fields_equal_the_contract(demo: dict[str, list[Row]]) -> None:
    for raw, out in zip(demo["crm/contacts"], demo["lead"]):
        expected = [utc_text(raw[column]) for column in STAGE_COLUMNS]
        assert [out[field] for field in STAGE_FIELDS] == expected, out["id"]
    check_stage_dates_read_back(demo)


def check_stage_dates_read_back(tables: dict[str, list[Row]]) -> None:
    """As the warehouse reads them: each lead's latest load (last_modified_date, then the
    latest sync) carries the stage dates of the contract's winning load."""
    expected = winners(tables["crm/contacts"], "contact_id", "updated_at")
    best: dict[str, tuple[str, str, Row]] = {}
    for row in tables["lead"]:
        rank = (row["last_modified_date"], row["_fivetran_synced"], row)
        if row["id"] not in best or rank[:2] >= best[row["id"]][:2]:
            best[row["id"]] = rank
    for contact, raw in expected.items():
        if not contact:
            continue
        row = best[f"00Q{contact}"][2]
        read = [row[field] for field in STAGE_FIELDS]
        assert read == [utc_text(raw[column]) for column in STAGE_COLUMNS], contact


def test_lead_history_is_the_winning_loads_status_chain(demo: dict[str, list[Row]]) -> None:
    written = [
        (row["lead_id"], row["field"], row["old_value"], row["new_value"], row["created_date"])
        for row in demo["lead_history"]
    ]
    assert written == expected_lead_history(demo)
    assert {row["is_deleted"] for row in demo["lead_history"]} == {"false"}
    latest = winners(demo["crm/contacts"], "contact_id", "updated_at")
    synced = {
        out["id"]: out["_fivetran_synced"]
        for raw, out in zip(demo["crm/contacts"], demo["lead"])
        if latest[raw["contact_id"]] is raw
    }
    for row in demo["lead_history"]:  # a history row shares its winning load's sync
        assert row["_fivetran_synced"] == synced[row["lead_id"]], row["id"]
    check_lead_history_chains(demo)


def check_lead_history_chains(tables: dict[str, list[Row]]) -> None:
    """Per lead: rows in time order, each Status row's old value the previous new value (from
    Open - Not Contacted), a leadConverted row only with its Closed - Converted row."""
    chains: dict[str, list[Row]] = defaultdict(list)
    for row in tables["lead_history"]:
        chains[row["lead_id"]].append(row)
    lead_ids = {row["id"] for row in tables["lead"]}
    for lead, rows in chains.items():
        assert lead in lead_ids and lead, lead
        assert [row["created_date"] for row in rows] == sorted(row["created_date"] for row in rows)
        assert len({row["_fivetran_synced"] for row in rows}) == 1, lead
        previous = "Open - Not Contacted"
        for number, row in enumerate(rows):
            if row["field"] == "Status":
                assert row["old_value"] == previous, lead
                previous = row["new_value"]
            else:
                assert row["field"] == "leadConverted", lead
                assert (row["old_value"], row["new_value"]) == ("false", "true"), lead
                before = rows[number - 1]
                assert before["new_value"] == "Closed - Converted", lead
                assert before["created_date"] == row["created_date"], lead


def test_about_five_percent_of_conversions_have_no_lead_converted_row(
    demo: dict[str, list[Row]],
) -> None:
    converted = converted_contacts(demo)
    with_row = {row["lead_id"] for row in demo["lead_history"] if row["field"] == "leadConverted"}
    lacking = {contact for contact in converted if f"00Q{contact}" not in with_row}
    assert lacking == {contact for contact in converted if lacks_converted_row(contact)}
    assert 0.02 * len(converted) <= len(lacking) <= 0.08 * len(converted), len(lacking)
    leads = {row["id"]: row for row in demo["lead"]}
    assert all(leads[f"00Q{contact}"]["converted_date"] for contact in lacking)


def test_out_of_order_stage_dates_are_written_as_they_are(demo: dict[str, list[Row]]) -> None:
    created = {row["id"]: row["created_date"] for row in demo["lead"]}
    early = [row for row in demo["lead_history"] if row["created_date"] < created[row["lead_id"]]]
    assert early  # the contract has MQL dates before the creation: kept


# --------------------------------------------------------------------------- opportunities


def test_opportunity_columns(demo: dict[str, list[Row]]) -> None:
    open_deals = 0
    for raw, out in zip(demo["crm/deals"], demo["opportunity"]):
        assert out["account_id"] == raw["company_id"], out["id"]
        assert out["name"] == raw["deal_name"], out["id"]
        assert out["type"] == TYPES.get(raw["pipeline"], raw["pipeline"]), out["id"]
        assert out["stage_name"] == STAGE_NAMES.get(raw["deal_stage"], raw["deal_stage"])
        closed = raw["deal_stage"] in ("closedwon", "closedlost")
        won = raw["deal_stage"] == "closedwon"
        assert (out["is_closed"], out["is_won"]) == (str(closed).lower(), str(won).lower())
        assert out["amount"] == raw["amount"], out["id"]
        assert out["currency_iso_code"] == raw["currency"].upper(), out["id"]
        assert out["created_date"] == utc_text(raw["created_at"]), out["id"]
        assert out["last_modified_date"] == utc_text(raw["updated_at"]), out["id"]
        assert out["close_date"] == close_date(raw), out["id"]
        assert out["is_deleted"] == (raw["is_deleted"].lower() or "false"), out["id"]
        open_deals += not closed
    assert open_deals > 100


def check_opportunity_chains(tables: dict[str, list[Row]]) -> None:
    """Per opportunity id, its versions in version order (updated_at, then file order): starts
    strictly increasing and equal to the synced time, each ending where the next starts, the
    last (the contract's winning load) open and alone active."""
    versions: dict[str, list[tuple[datetime, int, Row]]] = defaultdict(list)
    for number, out in enumerate(tables["opportunity"]):
        moment = utc(out["last_modified_date"]) or datetime.min
        versions[out["id"]].append((moment, number, out))
    assert len(tables["opportunity"]) == len(tables["crm/deals"]) + 1
    for deal, loads in versions.items():
        ordered = [out for _, _, out in sorted(loads, key=lambda load: load[:2])]
        for earlier, later in zip(ordered, ordered[1:]):
            assert earlier["_fivetran_start"] < later["_fivetran_start"], deal
            assert earlier["_fivetran_end"] == later["_fivetran_start"], deal
            assert earlier["_fivetran_active"] == "false", deal
        assert all(out["_fivetran_start"] == out["_fivetran_synced"] for out in ordered), deal
        assert (ordered[-1]["_fivetran_end"], ordered[-1]["_fivetran_active"]) == (
            FAR_FUTURE,
            "true",
        ), deal


def test_opportunity_history_mode_chains(demo: dict[str, list[Row]]) -> None:
    check_opportunity_chains(demo)
    latest = winners(demo["crm/deals"], "deal_id", "updated_at")
    active = {row["id"]: row for row in demo["opportunity"] if row["_fivetran_active"] == "true"}
    for deal, raw in latest.items():
        assert active[deal]["last_modified_date"] == utc_text(raw["updated_at"]), deal
        assert active[deal]["stage_name"] == STAGE_NAMES.get(raw["deal_stage"], raw["deal_stage"])
    file_order = defaultdict(list)
    for row in demo["crm/deals"]:
        file_order[row["deal_id"]].append(utc(row["updated_at"]))
    assert any(dates != sorted(dates) for dates in file_order.values())  # a load out of order


def test_opportunity_history_rows_and_restatements(demo: dict[str, list[Row]]) -> None:
    expected, restated = expected_history(demo)
    written = [
        tuple(row[column] for column in ("opportunity_id", "stage_name", "amount"))
        + (row["close_date"], row["created_date"])
        for row in demo["opportunity_history"]
    ]
    assert written == expected
    assert {row["is_deleted"] for row in demo["opportunity_history"]} == {"false"}
    several = Counter(row["deal_id"] for row in demo["crm/deal_stage_history"])
    candidates = sum(1 for deal, count in several.items() if count >= 2 and deal != "5999999")
    assert 0.12 * candidates <= restated <= 0.28 * candidates, (restated, candidates)
    assert len(demo["opportunity_history"]) == len(demo["crm/deal_stage_history"]) + restated + 2


def test_restating_rows_change_no_stage(demo: dict[str, list[Row]]) -> None:
    """Read as the warehouse reads a stage history: per deal in created_date order, a
    restating row (at a time no contract entry of the deal has) repeats the stage of the row
    before it, with the amount 10 % higher, and comes right after that row in the file."""
    entered = {
        (row["deal_id"], utc_text(row["entered_at"])) for row in demo["crm/deal_stage_history"]
    }
    by_deal: dict[str, list[Row]] = defaultdict(list)
    for row in demo["opportunity_history"]:
        by_deal[row["opportunity_id"]].append(row)
    restating = 0
    for deal, rows in by_deal.items():
        if deal in ("5999906", ANCHOR):  # the shape's broken row: each deal's last
            rows = rows[:-1]
        extra = [row for row in rows if (deal, row["created_date"]) not in entered]
        assert len(extra) <= 1, deal
        if not extra:
            continue
        restating += 1
        dated = sorted(
            (row for row in rows if row["created_date"]), key=lambda r: r["created_date"]
        )
        position = next(index for index, row in enumerate(dated) if row is extra[0])
        before = dated[position - 1]
        assert position > 0 and before["stage_name"] == extra[0]["stage_name"], deal
        assert extra[0]["amount"] == raised(before["amount"]), deal
        assert int(extra[0]["id"][3:]) == int(before["id"][3:]) + 1, deal
    assert restating > 100


# --------------------------------------------------------------------------- broken rows


def test_the_contract_broken_rows_are_present(demo: dict[str, list[Row]]) -> None:
    leads = {row["id"]: row for row in demo["lead"]}
    assert "" in leads
    assert leads["00Q199901"]["status"] == "bogus"
    assert "" in {row["id"] for row in demo["account"]}
    assert "" in {row["id"] for row in demo["user"]}
    opportunities = {row["id"]: row for row in demo["opportunity"]}
    assert "" in opportunities
    assert opportunities["5999901"]["type"] == "partnerships"
    assert opportunities["5999902"]["stage_name"] == "stalled"
    assert opportunities["5999903"]["currency_iso_code"] == "DOLLARS"
    history = demo["opportunity_history"]
    assert any(row["stage_name"] == "negotiation" for row in history)
    assert any(row["opportunity_id"] == "5999999" for row in history)
    assert any(row["created_date"] == "" for row in history)


def test_the_shape_own_broken_rows(demo: dict[str, list[Row]]) -> None:
    deals = {row["deal_id"] for row in demo["crm/deals"]}
    companies = {row["company_id"] for row in demo["crm/companies"]}
    anchor, at = anchor_deal(demo)
    assert anchor == ANCHOR
    orphan = [row for row in demo["opportunity_history"] if row["opportunity_id"] == "5999906"]
    assert len(orphan) == 1 and "5999906" not in deals
    assert orphan[0]["stage_name"] in STAGE_NAMES.values() and orphan[0]["created_date"] == at
    legacy = [
        row for row in demo["opportunity_history"] if row["stage_name"] == "Negotiation (legacy)"
    ]
    assert len(legacy) == 1 and legacy[0]["opportunity_id"] == anchor
    account = [row for row in demo["account"] if row["id"] == "999907"]
    assert len(account) == 1 and "999907" not in companies
    assert account[0]["is_deleted"] == "true"
    opportunity = [row for row in demo["opportunity"] if row["id"] == "5999907"]
    assert len(opportunity) == 1 and "5999907" not in deals
    values = ("account_id", "stage_name", "type", "is_deleted", "is_closed", "_fivetran_active")
    assert tuple(opportunity[0][column] for column in values) == (
        "999907",
        "Prospecting",
        "New Business",
        "false",
        "false",
        "true",
    )


# --------------------------------------------------------------------------- appended day


def test_appended_day_reloads_are_synced_later(appended: dict[str, list[Row]]) -> None:
    """An appended day loads contacts and deals again and enters stages late, at the end of
    the files: leads and accounts synced later, chains and stage dates still hold."""
    for table in ("lead", "account"):
        synced_later(appended[table], "id")
    check_entries_synced(appended)
    check_opportunity_chains(appended)
    check_lead_history_chains(appended)
    check_stage_dates_read_back(appended)
    assert [
        (row["lead_id"], row["field"], row["old_value"], row["new_value"], row["created_date"])
        for row in appended["lead_history"]
    ] == expected_lead_history(appended)
