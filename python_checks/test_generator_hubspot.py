"""Checks of the Fivetran HubSpot shape of the demo data (generator/fivetran_hubspot.py).

- determinism: two runs give the same bytes; the committed data/demo/hubspot is what the
  converter makes of the committed contract files; --shapes fivetran_hubspot alone and the
  converter run on its own write the same files; Parquet holds the CSV's rows;
- mapping: every contract CRM row is one row of its HubSpot table, in order;
- values: timestamps in UTC `YYYY-MM-DD HH:MM:SS`, booleans, upper-case deal currencies, a
  later load of an id synced strictly later (appended days included);
- the three stage-date groups (classic properties, hs_v2 properties, property history), each
  non-empty, one per contact, and the contract's stage dates read back from them as the
  warehouse reads them; the lead-source pairs; pipelines and stages; open deals' expected close
  dates; deal companies; the deal_stage history chain; the merged ids; the contract's broken
  rows and the three of the shape.

Expectations are computed from the contract CSVs here, with this file's own parsing, not with
the converter's helpers.
"""

from __future__ import annotations

import csv
import re
import sys
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from generator.fivetran_hubspot import main as hubspot_main  # noqa: E402
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
STAGES = ("lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer")
CONTRACT_STAGE_COLUMNS = (
    "became_lead_at",
    "became_mql_at",
    "became_sql_at",
    "became_opportunity_at",
    "became_customer_at",
)
CLASSIC = [f"property_hs_lifecyclestage_{stage}_date" for stage in STAGES]
V2 = [f"property_hs_v2_date_entered_{stage}" for stage in STAGES]
COLUMNS: dict[str, str] = {
    "contact": "id property_email property_firstname property_lastname "
    "property_associatedcompanyid property_hubspot_owner_id property_hs_analytics_source "
    "property_hs_analytics_source_data_1 property_lifecyclestage property_createdate "
    f"property_lastmodifieddate {' '.join(CLASSIC)} {' '.join(V2)} "
    "property_hs_merged_object_ids _fivetran_deleted _fivetran_synced",
    "contact_property_history": "contact_id name value timestamp source _fivetran_synced",
    "company": "id property_name property_domain property_industry property_country "
    "property_numberofemployees property_hubspot_owner_id property_createdate "
    "property_hs_lastmodifieddate is_deleted _fivetran_deleted _fivetran_synced",
    "owner": "owner_id email first_name last_name is_active _fivetran_synced",
    "deal_pipeline": "pipeline_id label active display_order _fivetran_deleted _fivetran_synced",
    "deal_pipeline_stage": "stage_id pipeline_id label probability is_closed closed_won "
    "display_order active _fivetran_deleted _fivetran_synced",
    "deal": "deal_id deal_pipeline_id deal_pipeline_stage_id owner_id property_dealname "
    "property_amount property_deal_currency_code property_createdate property_closedate "
    "property_hs_lastmodifieddate is_deleted _fivetran_deleted _fivetran_synced",
    "deal_company": "deal_id company_id type_id _fivetran_synced",
    "deal_stage": "deal_id value date_entered source _fivetran_start _fivetran_end "
    "_fivetran_active _fivetran_synced",
}
TIMESTAMPS = {
    "property_createdate",
    "property_lastmodifieddate",
    "property_hs_lastmodifieddate",
    "property_closedate",
    "timestamp",
    "date_entered",
    "_fivetran_start",
    "_fivetran_end",
    "_fivetran_synced",
    *CLASSIC,
    *V2,
}
BOOLEANS = {"is_deleted", "_fivetran_deleted", "_fivetran_active", "active", "is_active"}
BOOLEANS |= {"is_closed", "closed_won"}
STAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
FAR_FUTURE = "9999-12-31 23:59:59"

PIPELINES = {"new_business": "default", "expansion": "75000001", "renewal": "75000002"}
PIPELINE_LABELS = {"default": "New Business", "75000001": "Expansion", "75000002": "Renewal"}
DEAL_STAGES = (
    "appointmentscheduled",
    "qualifiedtobuy",
    "presentationscheduled",
    "decisionmakerboughtin",
    "contractsent",
    "closedwon",
    "closedlost",
)
STAGE_LABELS = (
    "Appointment Scheduled",
    "Qualified To Buy",
    "Presentation Scheduled",
    "Decision Maker Bought-In",
    "Contract Sent",
    "Closed Won",
    "Closed Lost",
)
PROBABILITIES = ("0.2", "0.4", "0.6", "0.8", "0.9", "1.0", "0.0")
CLOSED = ("closedwon", "closedlost")
# channel -> (hs_analytics_source, hs_analytics_source_data_1), as the spec names them.
SOURCES = {
    "organic_search": ("ORGANIC_SEARCH", ""),
    "paid_search": ("PAID_SEARCH", ""),
    "paid_social": ("PAID_SOCIAL", ""),
    "referral": ("REFERRALS", ""),
    "partner": ("REFERRALS", "partner"),
    "events": ("OFFLINE", "events"),
    "outbound": ("OFFLINE", "sales"),
    "direct": ("DIRECT_TRAFFIC", ""),
}
UNKNOWN_SOURCES = {("OTHER_CAMPAIGNS", ""), ("", "")}


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


HUBSPOT = Shape("hubspot", tuple(COLUMNS), hubspot_main)


def channels() -> frozenset[str]:
    return frozenset(row["channel"] for row in read_csv(REPO / "seeds" / "channels.csv"))


def channel(lead_source: str, listed: frozenset[str]) -> str:
    """python_checks/reference/funnel.py normalise_channel, restated."""
    value = lead_source.strip().lower().replace(" ", "_").replace("-", "_")
    return value if value and value in listed else "unknown"


def winners(rows: list[Row], key: str, updated: str) -> dict[str, Row]:
    """The load the warehouse keeps per id: the latest `updated` (nulls last), the last in the
    file among equals."""
    best: dict[str, tuple[datetime, int, Row]] = {}
    floor = datetime.min
    for number, row in enumerate(rows):
        rank = (utc(row[updated]) or floor, number, row)
        if row[key] not in best or rank[:2] >= best[row[key]][:2]:
            best[row[key]] = rank
    return {identifier: row for identifier, (_, _, row) in best.items()}


def load(folder: Path) -> dict[str, list[Row]]:
    tables = {
        f"crm/{table}": read_csv(folder / "crm" / f"{table}.csv")
        for table in ("contacts", "companies", "deals", "deal_stage_history", "owners")
    }
    tables.update({table: read_csv(folder / "hubspot" / f"{table}.csv") for table in COLUMNS})
    return tables


def stage_id(pipeline: str, stage: str) -> str:
    return stage if pipeline == "default" else f"{pipeline}{DEAL_STAGES.index(stage) + 1:02d}"


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def small(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("hubspot_small")
    both = "contract,fivetran_hubspot"
    return {
        "first": run_raw(base / "a", "--customers", "40", "--shapes", both),
        "second": run_raw(base / "b", "--customers", "40", "--shapes", both),
        "alone": run_raw(base / "c", "--customers", "40", "--shapes", "fivetran_hubspot"),
    }


@pytest.fixture(scope="session")
def demo() -> dict[str, list[Row]]:
    if not (DEMO / "hubspot" / "contact.csv").exists():
        pytest.skip("data/demo/hubspot not generated")
    return load(DEMO)


@pytest.fixture(scope="session")
def appended(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Row]]:
    """The demo with one appended day (late stage entries, contacts loaded again), converted."""
    from generator.append_day import append_day

    folder = tmp_path_factory.mktemp("hubspot_appended")
    append_day(DEMO, folder)
    assert hubspot_main(["--contract-dir", str(folder), "--out", str(folder), "--quiet"]) == 0
    return load(folder)


# --------------------------------------------------------------------------- determinism


def test_two_runs_give_identical_bytes(small: dict[str, Path]) -> None:
    assert_same_bytes(HUBSPOT, small["first"], small["second"])


def test_hubspot_alone_keeps_no_contract_and_writes_the_same(small: dict[str, Path]) -> None:
    assert not (small["alone"] / "crm").exists()
    assert not (small["alone"] / "stripe").exists()
    assert_same_bytes(HUBSPOT, small["first"], small["alone"])


def test_converter_alone_reproduces_the_committed_demo(tmp_path: Path) -> None:
    assert_reproduces_the_demo(HUBSPOT, DEMO, tmp_path)


def test_parquet_holds_the_csv_rows(small: dict[str, Path], tmp_path: Path) -> None:
    assert_parquet_holds_the_csv(HUBSPOT, small["first"], tmp_path)


# --------------------------------------------------------------------------- layout, mapping


def test_headers_are_the_spec_columns(small: dict[str, Path]) -> None:
    for folder in (small["first"], DEMO):
        if not (folder / "hubspot" / "contact.csv").exists():
            continue
        for table, columns in COLUMNS.items():
            assert header(folder / "hubspot" / f"{table}.csv") == columns.split(), table
    assert "team" not in COLUMNS["owner"].split()


def test_every_contract_row_is_one_row_in_order(demo: dict[str, list[Row]]) -> None:
    pairs = [
        ("contacts", "contact_id", "contact", "id", ()),
        ("companies", "company_id", "company", "id", ()),
        ("owners", "owner_id", "owner", "owner_id", ()),
        ("deals", "deal_id", "deal", "deal_id", ("5999905",)),
    ]
    for contract, key, table, column, extra in pairs:
        expected = [row[key] for row in demo[f"crm/{contract}"]] + list(extra)
        assert [row[column] for row in demo[table]] == expected, table
    expected_entries = [
        (row["deal_id"], utc_text(row["entered_at"])) for row in demo["crm/deal_stage_history"]
    ]
    written = [(row["deal_id"], row["date_entered"]) for row in demo["deal_stage"]]
    assert written[: len(expected_entries)] == expected_entries
    assert [deal for deal, _ in written[len(expected_entries) :]] == [
        demo["crm/deals"][0]["deal_id"],
        "5999904",
    ]


def test_values_are_normalised(demo: dict[str, list[Row]]) -> None:
    for table in COLUMNS:
        for row in demo[table]:
            for column, value in row.items():
                if column in TIMESTAMPS and value:
                    assert STAMP.fullmatch(value), (table, column, value)
                if column in BOOLEANS:
                    assert value in ("true", "false"), (table, column, value)
    for raw, out in zip(demo["crm/contacts"], demo["contact"]):
        assert out["property_createdate"] == utc_text(raw["created_at"]), out["id"]
        assert out["property_lastmodifieddate"] == utc_text(raw["updated_at"]), out["id"]
        assert out["property_associatedcompanyid"] == raw["company_id"], out["id"]
        assert out["_fivetran_deleted"] == (raw["is_deleted"].lower() or "false"), out["id"]
        assert out["property_lifecyclestage"] == raw["lifecycle_stage"].lower(), out["id"]
    for raw, out in zip(demo["crm/companies"], demo["company"]):
        assert out["property_createdate"] == utc_text(raw["created_at"]), out["id"]
        assert out["property_hs_lastmodifieddate"] == utc_text(raw["updated_at"]), out["id"]
        assert out["is_deleted"] == (raw["is_deleted"].lower() or "false"), out["id"]
        assert out["_fivetran_deleted"] == "false"
        assert out["property_numberofemployees"] == raw["employee_count"], out["id"]
    assert any(row["id"].startswith("0") for row in demo["company"])
    for raw, out in zip(demo["crm/deals"], demo["deal"]):
        assert out["property_createdate"] == utc_text(raw["created_at"]), out["deal_id"]
        assert out["property_deal_currency_code"] == raw["currency"].upper(), out["deal_id"]
        assert out["property_amount"] == raw["amount"], out["deal_id"]
        assert out["is_deleted"] == (raw["is_deleted"].lower() or "false"), out["deal_id"]


def test_a_later_load_is_synced_strictly_later(demo: dict[str, list[Row]]) -> None:
    repeated = 0
    for table, key in (("contact", "id"), ("company", "id"), ("deal", "deal_id")):
        repeated += synced_later(demo[table], key)
    synced_later(demo["owner"], "owner_id")
    assert repeated > 100
    entries: dict[str, str] = {}
    for row in demo["deal_stage"]:  # a deal's entries: each synced after the previous one
        assert row["_fivetran_synced"] > entries.get(row["deal_id"], ""), row["deal_id"]
        entries[row["deal_id"]] = row["_fivetran_synced"]


def synced_later(rows: list[Row], key: str) -> int:
    repeated = 0
    last: dict[str, str] = {}
    for row in rows:
        if row[key] in last:
            repeated += 1
            assert row["_fivetran_synced"] > last[row[key]], row[key]
        last[row[key]] = row["_fivetran_synced"]
    return repeated


def test_appended_day_reloads_are_synced_later(appended: dict[str, list[Row]]) -> None:
    """An appended day loads contacts and deals again and enters a stage three weeks back, at
    the end of the files."""
    for table, key in (("contact", "id"), ("company", "id"), ("deal", "deal_id")):
        synced_later(appended[table], key)
    entries: dict[str, str] = {}
    for row in appended["deal_stage"]:
        assert row["_fivetran_synced"] > entries.get(row["deal_id"], ""), row["deal_id"]
        entries[row["deal_id"]] = row["_fivetran_synced"]
    check_chains(appended)
    check_stage_dates_read_back(appended)


# --------------------------------------------------------------------------- contacts


def groups_of(tables: dict[str, list[Row]]) -> dict[str, set[str]]:
    """Contact id -> the places its stage dates are written in (classic, v2, history)."""
    places: dict[str, set[str]] = defaultdict(set)
    for row in tables["contact"]:
        if any(row[column] for column in CLASSIC):
            places[row["id"]].add("classic")
        if any(row[column] for column in V2):
            places[row["id"]].add("v2")
    for row in tables["contact_property_history"]:
        places[row["contact_id"]].add("history")
    return places


def test_each_contact_has_one_group_and_every_group_is_used(demo: dict[str, list[Row]]) -> None:
    places = groups_of(demo)
    assert all(len(found) == 1 for found in places.values()), [
        (contact, found) for contact, found in places.items() if len(found) > 1
    ]
    sizes = Counter(next(iter(found)) for found in places.values())
    total = sum(sizes.values())
    assert set(sizes) == {"classic", "v2", "history"}
    assert 0.02 * total <= sizes["history"] <= 0.08 * total, sizes
    assert sizes["classic"] >= 0.35 * total and sizes["v2"] >= 0.35 * total, sizes
    loads = Counter(row["contact_id"] for row in demo["crm/contacts"])
    repeated_groups = {next(iter(places[c])) for c, n in loads.items() if n > 1 and c in places}
    assert len(repeated_groups) >= 2  # duplicate loads in several groups, each kept in one


def test_each_load_writes_its_stage_dates_in_its_group(demo: dict[str, list[Row]]) -> None:
    places = groups_of(demo)
    for raw, out in zip(demo["crm/contacts"], demo["contact"]):
        expected = [utc_text(raw[column]) for column in CONTRACT_STAGE_COLUMNS]
        empty = [""] * len(STAGES)
        group = next(iter(places.get(out["id"], {"none"})))
        classic = [out[column] for column in CLASSIC]
        v2 = [out[column] for column in V2]
        if group == "classic":
            assert (classic, v2) == (expected, empty), out["id"]
        elif group == "v2":
            assert (classic, v2) == (empty, expected), out["id"]
        else:
            assert classic == v2 == empty, out["id"]
            assert group == "history" or expected == empty, out["id"]


def test_history_rows_are_the_winning_load_stage_dates(demo: dict[str, list[Row]]) -> None:
    latest = winners(demo["crm/contacts"], "contact_id", "updated_at")
    written: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for row in demo["contact_property_history"]:
        assert (row["name"], row["source"]) == ("lifecyclestage", "CRM_UI"), row
        written[row["contact_id"]].append((row["value"], row["timestamp"]))
    assert "" not in written
    for contact, entries in written.items():
        raw = latest[contact]
        expected = [
            (stage, utc_text(raw[column]))
            for stage, column in zip(STAGES, CONTRACT_STAGE_COLUMNS)
            if raw[column].strip()
        ]
        assert entries == expected, contact


def check_stage_dates_read_back(tables: dict[str, list[Row]]) -> None:
    """As the warehouse reads them: the contact's latest load (lastmodifieddate, then the
    latest sync), per stage the first of the v2 property, the classic property and the
    earliest history row: the stage dates of the contract's winning load."""
    expected = winners(tables["crm/contacts"], "contact_id", "updated_at")
    best: dict[str, tuple[str, str, Row]] = {}
    for row in tables["contact"]:
        rank = (row["property_lastmodifieddate"], row["_fivetran_synced"], row)
        if row["id"] not in best or rank[:2] >= best[row["id"]][:2]:
            best[row["id"]] = rank
    history: dict[tuple[str, str], str] = {}
    for row in tables["contact_property_history"]:
        place = (row["contact_id"], row["value"])
        history[place] = min(history.get(place, row["timestamp"]), row["timestamp"])
    assert set(best) == set(expected)
    for contact, (_, _, row) in best.items():
        if not contact:
            continue
        read = [
            row[v2] or row[classic] or history.get((contact, stage), "")
            for stage, classic, v2 in zip(STAGES, CLASSIC, V2)
        ]
        raw = expected[contact]
        assert read == [utc_text(raw[column]) for column in CONTRACT_STAGE_COLUMNS], contact


def test_stage_dates_read_back_as_the_warehouse_reads_them(demo: dict[str, list[Row]]) -> None:
    check_stage_dates_read_back(demo)


def test_lead_source_pairs_round_trip(demo: dict[str, list[Row]]) -> None:
    listed = channels()
    assert set(SOURCES) | {"unknown"} == listed
    decode = {pair: name for name, pair in SOURCES.items()}
    assert len(decode) == len(SOURCES)  # one pair per channel
    seen: Counter[str] = Counter()
    unknown_pairs: Counter[tuple[str, str]] = Counter()
    pair_of: dict[str, tuple[str, str]] = {}
    for raw, out in zip(demo["crm/contacts"], demo["contact"]):
        name = channel(raw["lead_source"], listed)
        pair = (
            out["property_hs_analytics_source"],
            out["property_hs_analytics_source_data_1"],
        )
        seen[name] += 1
        if name == "unknown":
            assert pair in UNKNOWN_SOURCES, (out["id"], pair)
            unknown_pairs[pair] += 1
            assert pair_of.setdefault(out["id"], pair) == pair, out["id"]  # same for its loads
        else:
            assert pair == SOURCES[name], (out["id"], raw["lead_source"], pair)
        assert decode.get(pair, "unknown") == name, (out["id"], pair)
    assert set(seen) == listed, seen
    assert len(unknown_pairs) == 2, unknown_pairs
    assert min(unknown_pairs.values()) >= 0.3 * seen["unknown"], unknown_pairs


def test_merged_ids_on_one_live_contact(demo: dict[str, list[Row]]) -> None:
    merged = [row for row in demo["contact"] if row["property_hs_merged_object_ids"]]
    assert len(merged) == 1
    assert merged[0]["property_hs_merged_object_ids"] == "199903;199904"
    assert merged[0]["_fivetran_deleted"] == "false"
    ids = Counter(row["id"] for row in demo["contact"])
    assert ids[merged[0]["id"]] == 1
    assert ids["199903"] == ids["199904"] == 0


# --------------------------------------------------------------------------- deals


def test_pipelines_and_stages(demo: dict[str, list[Row]]) -> None:
    pipelines = [(row["pipeline_id"], row["label"]) for row in demo["deal_pipeline"]]
    assert pipelines == list(PIPELINE_LABELS.items())
    stages = demo["deal_pipeline_stage"]
    assert len(stages) == 21
    for number, row in enumerate(stages):
        pipeline = list(PIPELINE_LABELS)[number // 7]
        stage = DEAL_STAGES[number % 7]
        assert row["pipeline_id"] == pipeline
        assert row["stage_id"] == stage_id(pipeline, stage)
        assert row["label"] == STAGE_LABELS[number % 7]
        assert row["probability"] == PROBABILITIES[number % 7]
        closed = "true" if stage in CLOSED else "false"
        assert (row["is_closed"], row["closed_won"]) == (closed, closed), row
    assert stage_id("75000002", "closedlost") == "7500000207"
    assert {row["stage_id"] for row in stages if row["closed_won"] == "true"} == {
        "closedwon",
        "closedlost",
        "7500000106",
        "7500000107",
        "7500000206",
        "7500000207",
    }


def test_deal_pipeline_stage_and_close_date(demo: dict[str, list[Row]]) -> None:
    open_deals = 0
    for raw, out in zip(demo["crm/deals"], demo["deal"]):
        pipeline = PIPELINES.get(raw["pipeline"], raw["pipeline"])
        assert out["deal_pipeline_id"] == pipeline, out["deal_id"]
        known = pipeline in PIPELINE_LABELS and raw["deal_stage"] in DEAL_STAGES
        expected_stage = stage_id(pipeline, raw["deal_stage"]) if known else raw["deal_stage"]
        assert out["deal_pipeline_stage_id"] == expected_stage, out["deal_id"]
        if raw["deal_stage"] in CLOSED:
            assert out["property_closedate"] == utc_text(raw["closed_at"]), out["deal_id"]
        else:
            open_deals += 1
            assert raw["closed_at"] == "" != out["property_closedate"], out["deal_id"]
            assert out["property_closedate"] > out["property_createdate"], out["deal_id"]
    assert open_deals > 100
    assert {row["deal_pipeline_id"] for row in demo["deal"]} >= set(PIPELINE_LABELS)
    assert any(row["deal_pipeline_stage_id"].startswith("750000") for row in demo["deal"])


def test_deal_companies_are_the_distinct_pairs(demo: dict[str, list[Row]]) -> None:
    expected = list(
        dict.fromkeys(
            (row["deal_id"], row["company_id"])
            for row in demo["crm/deals"]
            if row["deal_id"].strip() and row["company_id"].strip()
        )
    )
    written = [(row["deal_id"], row["company_id"]) for row in demo["deal_company"]]
    assert written[:-1] == expected
    assert written[-1][0] == "5999905"
    assert {row["type_id"] for row in demo["deal_company"]} == {"5"}
    synced = {row["deal_id"]: row["_fivetran_synced"] for row in demo["deal"]}
    assert all(row["_fivetran_synced"] <= synced[row["deal_id"]] for row in demo["deal_company"])


def check_chains(tables: dict[str, list[Row]]) -> None:
    """Per deal, the entries with a date in (date, file order): each ends where the next
    starts, the last one open and alone active; an entry without a date is not in the chain."""
    chains: dict[str, list[Row]] = defaultdict(list)
    for row in tables["deal_stage"]:
        if row["date_entered"]:
            assert row["_fivetran_start"] == row["date_entered"]
            chains[row["deal_id"]].append(row)
        else:
            assert (row["_fivetran_end"], row["_fivetran_active"]) == ("", "false")
    for deal, rows in chains.items():
        ordered = sorted(rows, key=lambda row: row["date_entered"])  # stable: file order
        for earlier, later in zip(ordered, ordered[1:]):
            assert earlier["_fivetran_end"] == later["_fivetran_start"], deal
            assert earlier["_fivetran_active"] == "false", deal
        assert ordered[-1]["_fivetran_end"] == FAR_FUTURE, deal
        assert ordered[-1]["_fivetran_active"] == "true", deal


def test_deal_stage_values_and_chains(demo: dict[str, list[Row]]) -> None:
    pipeline_of = {
        deal: PIPELINES.get(row["pipeline"], row["pipeline"])
        for deal, row in winners(demo["crm/deals"], "deal_id", "updated_at").items()
    }
    for raw, out in zip(demo["crm/deal_stage_history"], demo["deal_stage"]):
        pipeline = pipeline_of.get(raw["deal_id"], "")
        known = pipeline in PIPELINE_LABELS and raw["deal_stage"] in DEAL_STAGES
        expected = stage_id(pipeline, raw["deal_stage"]) if known else raw["deal_stage"]
        assert out["value"] == expected, (out["deal_id"], raw["deal_stage"])
        assert out["source"] == "CRM_UI"
    assert any(row["value"].startswith("750000") for row in demo["deal_stage"])
    check_chains(demo)


# --------------------------------------------------------------------------- broken rows


def test_the_contract_broken_rows_are_present(demo: dict[str, list[Row]]) -> None:
    contacts = {row["id"]: row for row in demo["contact"]}
    assert "" in contacts
    assert contacts["199901"]["property_lifecyclestage"] == "bogus"
    assert "" in {row["id"] for row in demo["company"]}
    assert "" in {row["owner_id"] for row in demo["owner"]}
    deals = {row["deal_id"]: row for row in demo["deal"]}
    assert "" in deals
    assert deals["5999901"]["deal_pipeline_id"] == "partnerships"
    assert deals["5999901"]["deal_pipeline_stage_id"] == "appointmentscheduled"
    assert deals["5999902"]["deal_pipeline_stage_id"] == "stalled"
    assert deals["5999903"]["property_deal_currency_code"] == "DOLLARS"
    entries = demo["deal_stage"]
    assert any(row["value"] == "negotiation" for row in entries)
    assert any(row["deal_id"] == "5999999" for row in entries)
    assert any(row["date_entered"] == "" for row in entries)


def test_the_shape_own_broken_rows(demo: dict[str, list[Row]]) -> None:
    stage_ids = {row["stage_id"] for row in demo["deal_pipeline_stage"]}
    pipelines = {row["pipeline_id"] for row in demo["deal_pipeline"]}
    deals = {row["deal_id"] for row in demo["crm/deals"]}
    bad_stage = [row for row in demo["deal_stage"] if row["value"] == "99999999"]
    assert len(bad_stage) == 1 and "99999999" not in stage_ids
    assert bad_stage[0]["deal_id"] in deals  # on a real deal
    orphan = [row for row in demo["deal_stage"] if row["deal_id"] == "5999904"]
    assert len(orphan) == 1 and "5999904" not in deals and orphan[0]["value"] in stage_ids
    bad_deal = [row for row in demo["deal"] if row["deal_id"] == "5999905"]
    assert len(bad_deal) == 1 and "5999905" not in deals
    assert bad_deal[0]["deal_pipeline_id"] == "75009999" not in pipelines
    companies = {row["company_id"] for row in demo["crm/companies"]}
    company = [row for row in demo["deal_company"] if row["deal_id"] == "5999905"]
    assert len(company) == 1 and company[0]["company_id"] in companies
