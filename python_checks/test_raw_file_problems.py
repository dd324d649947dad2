"""Broken raw files get a clear answer, not a binder error (DuckDB target, RAW_DATA_DIR).

- A CSV line with fewer or more fields than its header is quarantined with its file and line
  (`wrong number of fields`); the rest of the file is staged and no raw row is lost.
- A file or table without a required contract column, or a missing table file, stops the run
  before any model with one message naming every missing file and column; a RAW_DATA_DIR that
  does not exist is one message too.
- An optional contract column a file lacks is read as null and the build is green.
- A timestamp with a UTC offset is converted to UTC (here across a month boundary).
Each for CSV and Parquet, except ragged lines (CSV only: a Parquet file cannot be ragged).
"""

from __future__ import annotations

import csv
import shutil
from datetime import datetime
from pathlib import Path

import pytest

from python_checks.dbt_runner import BUILD_DATA_TESTS, DbtRun, query, run_dbt
from python_checks.test_raw_data_dir import (
    EXPECTED_DUPLICATES,
    EXPECTED_QUARANTINE,
    EXPECTED_TEST_MODE,
    FIXTURE,
    TABLES,
    raw_row_count,
    write_parquet_copy,
)

LINE_ITEMS = Path("billing") / "invoice_line_items.csv"
OWNERS = Path("crm") / "owners.csv"
# Optional contract columns left out of the messy copy: read as null (no discount, no text).
DROPPED_OPTIONAL = {LINE_ITEMS: {"discount_amount", "description"}, OWNERS: {"email"}}
# customer -> raw created_at with an offset, and the UTC instant it names.
OFFSET_TIMESTAMPS = {
    "cus_1": ("2024-01-31T23:30:00-05:00", datetime(2024, 2, 1, 4, 30)),
    "cus_2": ("2024-02-01 03:00:00+0530", datetime(2024, 1, 31, 21, 30)),
    "cus_test": ("2024-01-31 22:00:00-05", datetime(2024, 2, 1, 3, 0)),
}


def read_rows(path: Path) -> list[list[str]]:
    with path.open(newline="") as handle:
        return list(csv.reader(handle))


def write_rows(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows(rows)


def drop_columns(path: Path, columns: set[str]) -> None:
    rows = read_rows(path)
    keep = [index for index, name in enumerate(rows[0]) if name not in columns]
    assert len(keep) == len(rows[0]) - len(columns), columns
    write_rows(path, [[row[index] for index in keep] for row in rows])


def write_messy_copy(raw_dir: Path) -> None:
    """The fixture with optional columns left out and offsets in customers' created_at."""
    shutil.copytree(FIXTURE, raw_dir)
    for path, columns in DROPPED_OPTIONAL.items():
        drop_columns(raw_dir / path, columns)
    customers = raw_dir / "billing" / "customers.csv"
    rows = read_rows(customers)
    created_at = rows[0].index("created_at")
    for row in rows[1:]:
        if row[0] in OFFSET_TIMESTAMPS:
            row[created_at] = OFFSET_TIMESTAMPS[row[0]][0]
    write_rows(customers, rows)


def add_ragged_lines(raw_dir: Path) -> dict[tuple[str, int], str]:
    """A short line after the first row and a long line at the end of the line items, a short
    line at the end of the owners: {(file, line number counting the header as 1): the line}."""
    items = (raw_dir / LINE_ITEMS).read_text().splitlines()
    short_item = "il_short,in_1,sub_1"
    long_item = ",".join(f"f{i}" for i in range(len(items[0].split(",")) + 2))
    items.insert(2, short_item)
    items.append(long_item)
    (raw_dir / LINE_ITEMS).write_text("\n".join(items) + "\n")
    owners = (raw_dir / OWNERS).read_text().splitlines()
    owners.append("o9,short")
    (raw_dir / OWNERS).write_text("\n".join(owners) + "\n")
    return {
        (LINE_ITEMS.as_posix(), 3): short_item,
        (LINE_ITEMS.as_posix(), len(items)): long_item,
        (OWNERS.as_posix(), len(owners)): "o9,short",
    }


@pytest.fixture(scope="module", params=["csv", "parquet"])
def messy_build(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[DbtRun, Path, str, dict[tuple[str, int], str]]:
    workdir = tmp_path_factory.mktemp(f"messy_{request.param}")
    csv_dir = workdir / "raw_csv"
    write_messy_copy(csv_dir)
    raw_dir, ragged = csv_dir, {}
    if request.param == "parquet":
        raw_dir = workdir / "raw"
        write_parquet_copy(csv_dir, raw_dir)
    else:
        ragged = add_ragged_lines(csv_dir)
    run = run_dbt(
        BUILD_DATA_TESTS,
        workdir / "warehouse.duckdb",
        workdir / "target",
        raw_dir=raw_dir,
        extra_env={"RAW_DATA_FORMAT": request.param},
    )
    assert run.returncode == 0, run.output[-5000:]
    return run, workdir / "warehouse.duckdb", request.param, ragged


def test_ragged_csv_lines_are_quarantined_with_file_and_line(messy_build) -> None:
    _, db, data_format, ragged = messy_build
    if data_format != "csv":
        pytest.skip("a Parquet file cannot be ragged")
    rows = set()
    for folder in TABLES:
        rows |= set(
            query(
                db,
                f"select source_table, raw_file, raw_line, quarantine_reason "
                f"from staging.stg_{folder}__quarantined_rows where raw_line is not null",
            )
        )
    got = {
        (table, Path(file).relative_to(Path(file).parents[1]).as_posix(), line, reason)
        for table, file, line, reason in rows
    }
    assert got == {(Path(file).stem, file, line, "wrong number of fields") for file, line in ragged}


def test_the_rest_of_a_ragged_file_is_staged(messy_build) -> None:
    """Every row of the fixture keeps its fate: ragged lines add quarantined rows, nothing else
    moves; raw lines (read + rejected) = staged + quarantined + duplicates + test-mode."""
    _, db, data_format, ragged = messy_build
    for folder, tables in TABLES.items():
        for table in tables:
            staged = query(db, f"select count(*) from staging.stg_{folder}__{table}")[0][0]
            quarantined = query(
                db,
                f"select count(*) from staging.stg_{folder}__quarantined_rows "
                f"where source_table = '{table}'",
            )[0][0]
            n_ragged = sum(1 for file, _ in ragged if Path(file).stem == table)
            expected_quarantined = sum(1 for row in EXPECTED_QUARANTINE if row[0] == table)
            removed = EXPECTED_DUPLICATES.get(table, 0) + EXPECTED_TEST_MODE.get(table, 0)
            assert quarantined == expected_quarantined + n_ragged, table
            assert (
                staged + quarantined + removed == raw_row_count(FIXTURE, folder, table) + n_ragged
            )
    # The line right before the short line and the line right after it are both staged.
    assert query(
        db,
        "select count(*) from staging.stg_billing__invoice_line_items "
        "where line_item_id in ('il_1', 'il_2')",
    ) == [(2,)]


def test_optional_columns_left_out_are_null(messy_build) -> None:
    _, db, _, _ = messy_build
    assert query(
        db,
        "select count(*), count(description), sum(discount_amount) "
        "from staging.stg_billing__invoice_line_items",
    )[0][1:] == (0, 0)
    assert query(db, "select count(email) from staging.stg_crm__owners") == [(0,)]


def test_utc_offsets_are_converted_across_a_month_boundary(messy_build) -> None:
    _, db, _, _ = messy_build
    got = dict(
        query(
            db,
            "select customer_id, created_at from staging.base_billing__customers "
            "where customer_id in ('cus_1', 'cus_2', 'cus_test')",
        )
    )
    assert got == {customer: instant for customer, (_, instant) in OFFSET_TIMESTAMPS.items()}


def run_on(raw_dir: Path, tmp_path: Path, data_format: str) -> DbtRun:
    return run_dbt(
        BUILD_DATA_TESTS,
        tmp_path / "warehouse.duckdb",
        tmp_path / "target",
        raw_dir=raw_dir,
        extra_env={"RAW_DATA_FORMAT": data_format},
    )


def assert_stopped_before_any_model(run: DbtRun) -> None:
    assert run.returncode != 0
    assert run.output.count("The raw data does not match the raw data contract") == 1
    assert "START sql" not in run.output and "START seed" not in run.output, run.output[-3000:]


@pytest.mark.parametrize("data_format", ["csv", "parquet"])
def test_missing_columns_and_files_are_one_error_before_any_model(
    tmp_path: Path, data_format: str
) -> None:
    csv_dir = tmp_path / "raw_csv"
    shutil.copytree(FIXTURE, csv_dir)
    drop_columns(csv_dir / LINE_ITEMS, {"quantity", "amount", "description"})
    drop_columns(csv_dir / "crm" / "deal_stage_history.csv", {"entered_at"})
    raw_dir = csv_dir
    if data_format == "parquet":
        raw_dir = tmp_path / "raw"
        write_parquet_copy(csv_dir, raw_dir)
    (raw_dir / "finance" / f"fx_rates.{data_format}").unlink()
    run = run_on(raw_dir, tmp_path, data_format)
    assert_stopped_before_any_model(run)
    # Every missing required column of each file on one line; the optional one is not named.
    assert (
        f"{raw_dir}/billing/invoice_line_items.{data_format}: "
        "missing required columns quantity, amount\n" in run.output
    )
    assert (
        f"{raw_dir}/crm/deal_stage_history.{data_format}: missing required column entered_at\n"
        in run.output
    )
    assert f"{raw_dir}/finance/fx_rates.{data_format}: not found\n" in run.output
    assert "description" not in run.output.split("raw data contract")[1].split(">")[0]


@pytest.mark.parametrize("data_format", ["csv", "parquet"])
def test_a_missing_raw_data_dir_is_one_message(tmp_path: Path, data_format: str) -> None:
    run = run_on(tmp_path / "no_such_dir", tmp_path, data_format)
    assert_stopped_before_any_model(run)
    assert f"no raw table found under RAW_DATA_DIR '{tmp_path / 'no_such_dir'}'" in run.output
    assert ": not found" not in run.output
