"""RAW_DATA_DIR points the DuckDB target at any directory in the raw contract's layout, CSV or
Parquet. The hand-written set in fixtures/raw_small has one bad row per kind of contract breach:
each must reach quarantine with its reason, and no raw row may be lost."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import pytest

from python_checks.dbt_runner import BUILD_DATA_TESTS, REPO, DbtRun, query, run_dbt
from python_checks.reference.raw import load_raw

FIXTURE = REPO / "python_checks" / "fixtures" / "raw_small"
TABLES = {
    "crm": ["contacts", "companies", "deals", "deal_stage_history", "owners"],
    "billing": [
        "customers",
        "prices",
        "subscriptions",
        "invoices",
        "invoice_line_items",
        "refunds",
    ],
    "finance": ["expenses", "fx_rates"],
}
# Written by hand from the fixture files: (table, key, reason).
EXPECTED_QUARANTINE = {
    ("contacts", None, "null key"),
    ("contacts", "c3", "unknown lifecycle_stage"),
    ("deals", "d2", "unknown deal_stage"),
    ("deal_stage_history", "d9", "orphan deal_id"),
    ("prices", "price_bad", "unknown billing_interval"),
    ("subscriptions", "sub_orphan", "orphan customer_id"),
    ("invoices", "in_bad", "unknown status"),
    ("invoice_line_items", "il_neg", "negative quantity"),
    ("invoice_line_items", "il_orphan", "orphan invoice_id"),
    ("refunds", "re_bad", "negative amount"),
    ("expenses", "ex_bad", "unknown currency"),
}
EXPECTED_DUPLICATES = {
    "contacts": 1,
    "deal_stage_history": 1,
    "invoices": 1,
    "invoice_line_items": 1,
}
EXPECTED_TEST_MODE = {"customers": 1, "subscriptions": 1, "invoices": 1, "invoice_line_items": 1}


def raw_row_count(raw_dir: Path, folder: str, table: str) -> int:
    with (raw_dir / folder / f"{table}.csv").open(newline="") as handle:
        return sum(1 for _ in csv.DictReader(handle))


def write_parquet_copy(source_dir: Path, target_dir: Path) -> None:
    """The fixture as typed Parquet files, the way a loader would write them (ids stay text)."""
    with duckdb.connect() as connection:
        for folder, tables in TABLES.items():
            (target_dir / folder).mkdir(parents=True)
            for table in tables:
                csv_path = source_dir / folder / f"{table}.csv"
                header = csv_path.read_text().splitlines()[0].split(",")
                id_types = {column: "VARCHAR" for column in header if column.endswith("_id")}
                connection.execute(
                    f"copy (select * from read_csv('{csv_path}', header = true,"
                    f" types = {id_types}))"
                    f" to '{target_dir / folder / table}.parquet' (format parquet)"
                )


@pytest.fixture(scope="module", params=["csv", "parquet"])
def fixture_build(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> DbtRun:
    workdir = tmp_path_factory.mktemp(f"raw_small_{request.param}")
    raw_dir = FIXTURE
    if request.param == "parquet":
        raw_dir = workdir / "raw"
        write_parquet_copy(FIXTURE, raw_dir)
    run = run_dbt(
        BUILD_DATA_TESTS,
        workdir / "warehouse.duckdb",
        workdir / "target",
        raw_dir=raw_dir,
        extra_env={"RAW_DATA_FORMAT": request.param},
    )
    assert run.returncode == 0, run.output[-5000:]
    return run


def warehouse(run: DbtRun) -> Path:
    return run.target_path.parent / "warehouse.duckdb"


def test_bad_rows_reach_quarantine_with_their_reason(fixture_build: DbtRun) -> None:
    rows = set()
    for folder in TABLES:
        rows |= set(
            query(
                warehouse(fixture_build),
                f"select source_table, record_key, quarantine_reason "
                f"from staging.stg_{folder}__quarantined_rows",
            )
        )
    assert rows == EXPECTED_QUARANTINE


def test_quarantine_is_reported_by_a_warning_not_an_error(fixture_build: DbtRun) -> None:
    assert "has_no_rows_stg_billing__quarantined_rows" in fixture_build.output
    assert "WARN" in fixture_build.output


@pytest.mark.parametrize("folder,table", [(f, t) for f, ts in TABLES.items() for t in ts])
def test_no_raw_row_is_lost(fixture_build: DbtRun, folder: str, table: str) -> None:
    db = warehouse(fixture_build)
    staged = query(db, f"select count(*) from staging.stg_{folder}__{table}")[0][0]
    quarantined = query(
        db,
        f"select count(*) from staging.stg_{folder}__quarantined_rows "
        f"where source_table = '{table}'",
    )[0][0]
    expected_quarantined = sum(1 for row in EXPECTED_QUARANTINE if row[0] == table)
    removed = EXPECTED_DUPLICATES.get(table, 0) + EXPECTED_TEST_MODE.get(table, 0)
    assert quarantined == expected_quarantined
    assert staged + quarantined + removed == raw_row_count(FIXTURE, folder, table)


def test_staging_agrees_with_the_reference_reading_of_the_rules(fixture_build: DbtRun) -> None:
    reference = load_raw(FIXTURE, REPO / "seeds")
    db = warehouse(fixture_build)
    for folder, tables in TABLES.items():
        for table in tables:
            staged = query(db, f"select count(*) from staging.stg_{folder}__{table}")[0][0]
            assert staged == len(reference.tables[table]), table
            assert reference.count(table, "duplicate") == EXPECTED_DUPLICATES.get(table, 0), table
            assert reference.count(table, "test_mode") == EXPECTED_TEST_MODE.get(table, 0), table


def test_values_are_cleaned(fixture_build: DbtRun) -> None:
    db = warehouse(fixture_build)
    # The later load of an invoice wins (open -> paid); money in major units.
    assert query(
        db, "select status, total from staging.stg_billing__invoices where invoice_id = 'in_1'"
    ) == [("paid", 108)]
    # Ids that look numeric keep their leading zeros.
    assert query(db, "select company_id from staging.stg_crm__companies order by 1") == [
        ("007",),
        ("008",),
    ]
    # Messy lead sources are normalised; free text is unknown.
    assert dict(query(db, "select contact_id, channel from staging.stg_crm__contacts")) == {
        "c1": "paid_search",
        "c2": "unknown",
        "c5": "organic_search",
    }
    # Currency codes upper case; a line takes its invoice's currency.
    assert query(
        db,
        "select currency, amount, discount_amount from staging.stg_billing__invoice_line_items "
        "where line_item_id = 'il_1'",
    ) == [("GBP", 100, 10)]
    # ISO timestamps with T and Z, bare dates, mixed-case booleans.
    assert query(
        db,
        "select cast(became_sql_at as varchar), cast(became_opportunity_at as varchar), is_deleted "
        "from staging.stg_crm__contacts where contact_id = 'c1'",
    ) == [("2024-01-10 10:00:00", "2024-01-12 00:00:00", False)]
    # Test-mode customers and everything of theirs are gone.
    assert query(
        db, "select count(*) from staging.stg_billing__invoices where customer_id = 'cus_test'"
    ) == [(0,)]


def test_unparseable_values_are_quarantined_not_fatal(tmp_path: Path) -> None:
    """A raw value that does not parse as its column's type (a 13th month, a fractional seat
    count, text in an amount) quarantines its row with the column named; the build goes on."""
    raw_dir = tmp_path / "raw"
    shutil.copytree(FIXTURE, raw_dir)
    with (raw_dir / "crm" / "contacts.csv").open("a") as handle:
        handle.write(
            "c9,z@example.com,Z,Y,007,o1,referral,lead,2024-13-45 09:00:00,,,,,,false,"
            "2024-01-07 09:00:00\n"
        )
    with (raw_dir / "billing" / "invoice_line_items.csv").open("a") as handle:
        handle.write(
            "il_frac,in_2,sub_1,price_gbp_m,subscription,false,1.5,5000,0,"
            "2024-03-01 00:00:00,2024-04-01 00:00:00,half a seat\n"
        )
    with (raw_dir / "finance" / "expenses.csv").open("a") as handle:
        handle.write("ex_text,2024-02-01,marketing,events,events,a lot,USD\n")
    run = run_dbt(
        BUILD_DATA_TESTS, tmp_path / "warehouse.duckdb", tmp_path / "target", raw_dir=raw_dir
    )
    assert run.returncode == 0, run.output[-5000:]
    quarantined = set()
    for folder in TABLES:
        quarantined |= set(
            query(
                tmp_path / "warehouse.duckdb",
                f"select record_key, quarantine_reason from staging.stg_{folder}__quarantined_rows",
            )
        )
    assert {
        ("c9", "unparseable created_at"),
        ("il_frac", "unparseable quantity"),
        ("ex_text", "unparseable amount"),
    } <= quarantined
