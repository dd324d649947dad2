"""Sources that end on different days: every mart speaks as of the as-of instant.

The demo company is written three ways, and each way is built:
- `fresh`: billing ends on AS_OF (the default as-of date is then AS_OF), while the CRM and finance
  run two more weeks, as a CRM synced hourly runs past a billing export made nightly;
- `cut`: the same company with every source cut at AS_OF, by the rules below (written here,
  independently of the models): the raw data as it would have been at the end of AS_OF;
- the whole demo with the var `as_of_date: AS_OF`.
The fresh set must build green (data tests included), and all three must give the same marts.
"""

from __future__ import annotations

import csv
import json
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from python_checks.daily_runs import DuckDBWarehouse, differences
from python_checks.dbt_runner import (
    BUILD_DATA_TESTS,
    BUILD_MODELS_ONLY,
    REPO,
    DbtRun,
    copy_warehouse,
    query,
    run_dbt,
)
from python_checks.engine_comparison import warehouse_mart_differences

DEMO = REPO / "data" / "demo"
AS_OF = "2026-09-16"
# The first instant after the as-of date: a fact dated at or after it is not known yet.
CUTOFF = datetime.fromisoformat(AS_OF) + timedelta(days=1)
STAGE_COLUMNS = [
    "became_lead_at",
    "became_mql_at",
    "became_sql_at",
    "became_opportunity_at",
    "became_customer_at",
]

Table = list[dict[str, str]]


def parse_instant(text: str) -> datetime | None:
    """A raw timestamp or date as the contract writes it; None when empty or unparseable (such a
    row is quarantined by staging whichever way the set is cut)."""
    value = text.strip().replace("T", " ").removesuffix("Z")
    for form in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, form)
        except ValueError:
            continue
    return None


def is_after_cutoff(text: str) -> bool:
    instant = parse_instant(text)
    return instant is not None and instant >= CUTOFF


def read_table(raw_dir: Path, folder: str, table: str) -> tuple[list[str], Table]:
    with (raw_dir / folder / f"{table}.csv").open(newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def write_table(raw_dir: Path, folder: str, table: str, header: list[str], rows: Table) -> None:
    with (raw_dir / folder / f"{table}.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def stage_orders() -> dict[str, int]:
    with (REPO / "seeds" / "deal_stages.csv").open(newline="") as handle:
        return {row["deal_stage"]: int(row["stage_order"]) for row in csv.DictReader(handle)}


def first_open_stage() -> str:
    """Where a deal stood before its first recorded stage entry: the pipeline's first open stage."""
    with (REPO / "seeds" / "deal_stages.csv").open(newline="") as handle:
        open_stages = [row for row in csv.DictReader(handle) if row["is_closed"] == "false"]
    return min(open_stages, key=lambda row: int(row["stage_order"]))["deal_stage"]


def cut_billing(raw_dir: Path) -> None:
    """Billing as it stood at the end of AS_OF: later customers, subscriptions, invoices (with
    their lines) and refunds do not exist yet; a subscription that ended later was live (a
    canceled one was active), and a cancellation requested later was not requested yet."""
    for table in ("customers", "subscriptions", "refunds"):
        header, rows = read_table(raw_dir, "billing", table)
        kept = [row for row in rows if not is_after_cutoff(row["created_at"])]
        if table == "subscriptions":
            kept = [subscription_at_as_of(row) for row in kept]
        write_table(raw_dir, "billing", table, header, kept)
    header, invoices = read_table(raw_dir, "billing", "invoices")
    later = {row["invoice_id"] for row in invoices if is_after_cutoff(row["created_at"])}
    kept = [row for row in invoices if row["invoice_id"] not in later]
    write_table(raw_dir, "billing", "invoices", header, kept)
    header, lines = read_table(raw_dir, "billing", "invoice_line_items")
    kept = [row for row in lines if row["invoice_id"] not in later]
    write_table(raw_dir, "billing", "invoice_line_items", header, kept)


def subscription_at_as_of(row: dict[str, str]) -> dict[str, str]:
    """The current-state row of a subscription rewound to the end of AS_OF."""
    row = dict(row)
    if is_after_cutoff(row["ended_at"]):
        row["ended_at"] = ""
        if row["status"].strip().lower() == "canceled":
            row["status"] = "active"
    if is_after_cutoff(row["canceled_at"]):
        row["canceled_at"] = ""
        row["cancel_at_period_end"] = "false"
    return row


def cut_crm_and_finance(raw_dir: Path) -> None:
    """CRM and finance as they stood at the end of AS_OF: later contacts, companies, deals, stage
    entries, expenses and rates do not exist; a stage reached later is not reached; a deal that
    closed or moved later is open at the last stage it had entered."""
    header, contacts = read_table(raw_dir, "crm", "contacts")
    kept = []
    for contact in contacts:
        if is_after_cutoff(contact["created_at"]):
            continue
        for column in STAGE_COLUMNS:
            if is_after_cutoff(contact[column]):
                contact[column] = ""
        kept.append(contact)
    write_table(raw_dir, "crm", "contacts", header, kept)

    header, companies = read_table(raw_dir, "crm", "companies")
    kept = [row for row in companies if not is_after_cutoff(row["created_at"])]
    write_table(raw_dir, "crm", "companies", header, kept)

    history_header, history = read_table(raw_dir, "crm", "deal_stage_history")
    orders = stage_orders()
    moved_later = {row["deal_id"] for row in history if is_after_cutoff(row["entered_at"])}
    known_history = [row for row in history if not is_after_cutoff(row["entered_at"])]
    last_known_stage: dict[str, tuple[datetime, int, str]] = {}
    for row in known_history:
        entered = parse_instant(row["entered_at"])
        if entered is None or row["deal_stage"] not in orders:
            continue
        candidate = (entered, orders[row["deal_stage"]], row["deal_stage"])
        if row["deal_id"] not in last_known_stage or candidate > last_known_stage[row["deal_id"]]:
            last_known_stage[row["deal_id"]] = candidate
    write_table(raw_dir, "crm", "deal_stage_history", history_header, known_history)

    header, deals = read_table(raw_dir, "crm", "deals")
    kept = []
    for deal in deals:
        if is_after_cutoff(deal["created_at"]):
            continue
        if is_after_cutoff(deal["closed_at"]) or deal["deal_id"] in moved_later:
            known = last_known_stage.get(deal["deal_id"])
            deal["deal_stage"] = known[2] if known else first_open_stage()
            if is_after_cutoff(deal["closed_at"]):
                deal["closed_at"] = ""
        kept.append(deal)
    write_table(raw_dir, "crm", "deals", header, kept)

    for table, column in (("expenses", "incurred_on"), ("fx_rates", "rate_date")):
        header, rows = read_table(raw_dir, "finance", table)
        kept = [row for row in rows if not is_after_cutoff(row[column])]
        write_table(raw_dir, "finance", table, header, kept)


def build(raw_dir: Path, workdir: Path, args: list[str]) -> DbtRun:
    run = run_dbt(args, workdir / "warehouse.duckdb", workdir / "target", raw_dir=raw_dir)
    assert run.returncode == 0, run.output[-5000:]
    return run


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("as_of_cut")
    fresh, cut = root / "raw_fresh", root / "raw_cut"
    shutil.copytree(DEMO, fresh)
    cut_billing(fresh)
    shutil.copytree(fresh, cut)
    cut_crm_and_finance(cut)
    # The fresh set builds green with every data test; the other two need only their marts.
    build(fresh, root / "fresh", BUILD_DATA_TESTS)
    build(cut, root / "cut", BUILD_MODELS_ONLY)
    build(DEMO, root / "var", [*BUILD_MODELS_ONLY, "--vars", json.dumps({"as_of_date": AS_OF})])
    return {name: root / name / "warehouse.duckdb" for name in ("fresh", "cut", "var")}


def test_the_fresh_set_runs_past_billing(builds: dict[str, Path]) -> None:
    """The premise: CRM and finance run past the as-of date, which is the last invoice's."""
    positions = dict(
        query(
            builds["fresh"],
            "select source_table, rows_after_as_of from staging.stg_sources__positions",
        )
    )
    assert query(builds["fresh"], "select as_of_date from intermediate.int_reporting_period") == [
        (datetime.fromisoformat(AS_OF).date(),)
    ]
    for table in ("contacts", "deals", "deal_stage_history"):
        assert positions[f"raw_crm.{table}"] > 0, table
    assert positions["raw_finance.expenses"] > 0
    assert positions["raw_billing.invoices"] == 0


def test_fresher_crm_and_finance_give_the_marts_of_the_cut_set(
    builds: dict[str, Path],
) -> None:
    differences = warehouse_mart_differences(builds["fresh"], builds["cut"], "the cut set")
    assert not differences, "\n".join(differences[:40])


def test_an_as_of_date_in_the_past_gives_the_marts_of_the_cut_set(
    builds: dict[str, Path],
) -> None:
    differences = warehouse_mart_differences(builds["var"], builds["cut"], "the cut set")
    assert not differences, "\n".join(differences[:40])


def test_an_earlier_as_of_date_on_a_built_warehouse_equals_a_build_from_nothing(
    builds: dict[str, Path], demo_warehouse: Path, tmp_path: Path
) -> None:
    """A user asks the warehouse they have for an earlier as-of date (the demo's is 2026-09-30):
    the run is incremental, and every relation must equal the build from nothing with that date.
    The deals opened or closed between the two dates are in the built table as they were on the
    later date and unchanged in the raw data: only their dates and stage entries make the run
    recompute them (D46), gone or open again."""
    db = copy_warehouse(demo_warehouse, tmp_path)
    run = run_dbt(
        [*BUILD_MODELS_ONLY, "--vars", json.dumps({"as_of_date": AS_OF})],
        db,
        tmp_path / "target",
        raw_dir=DEMO,
    )
    assert run.returncode == 0, run.output[-5000:]
    executed = tmp_path / "target" / "run" / "revops_warehouse" / "models" / "intermediate"
    assert "delete from" in (executed / "int_deals_enriched.sql").read_text(), "rebuilt"
    closed_since = set(
        query(
            demo_warehouse,
            "select deal_id from intermediate.int_deals_enriched "
            f"where closed_at >= date '{AS_OF}' + 1",
        )
    )
    open_then = set(
        query(
            builds["var"],
            "select deal_id from intermediate.int_deals_enriched where deal_status = 'open'",
        )
    )
    assert closed_since & open_then, "no deal closed between the two dates"
    found = differences(DuckDBWarehouse(db), DuckDBWarehouse(builds["var"]))
    assert found == [], "\n".join(found[:20])
