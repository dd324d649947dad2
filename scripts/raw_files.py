"""What the raw loaders (load_raw_to_postgres.py, load_raw_to_spark.py) share: the raw contract's
CSV layout, the header check, the load-order column and the command line."""

from __future__ import annotations

import argparse
import csv
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOURCES = ("crm", "billing", "finance")
# Raw shapes an EL tool lands, each loaded into the schema of its name, as the tool's default.
CONNECTOR_SOURCES = ("stripe", "hubspot", "salesforce")
LOADED_AT_COLUMN = "_loaded_at"


@dataclass(frozen=True)
class LoadedTable:
    schema: str
    table: str
    rows: int


def csv_header(path: Path) -> list[str]:
    """The file's column names; a missing, empty or duplicate name fails the load."""
    with path.open(newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle), None)
    if not header or any(not name.strip() for name in header):
        raise ValueError(f"{path}: missing or empty column name in the header")
    columns = [name.strip() for name in header]
    if LOADED_AT_COLUMN in columns or len(set(columns)) != len(columns):
        raise ValueError(f"{path}: duplicate column, or a column named {LOADED_AT_COLUMN}")
    return columns


def raw_csv_files(raw_dir: Path, schema_prefix: str = "raw_") -> list[tuple[str, Path]]:
    """(schema, file) of every `<source>/*.csv` of `raw_dir`, in load order: the contract's
    sources into `<schema_prefix><source>`, a connector's (`stripe/`, `hubspot/`) into a schema of
    its name."""
    files = [
        (f"{schema_prefix}{source}", path)
        for source in SOURCES
        for path in sorted((raw_dir / source).glob("*.csv"))
    ] + [
        (source, path)
        for source in CONNECTOR_SOURCES
        for path in sorted((raw_dir / source).glob("*.csv"))
    ]
    if not files:
        raise FileNotFoundError(f"no {'/, '.join(SOURCES)}/*.csv under {raw_dir}")
    return files


def loader_arguments(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--raw-dir", type=Path, default=REPO / "data" / "demo")
    parser.add_argument(
        "--schema-prefix", default="raw_", help="schemas are <prefix>crm, <prefix>billing, ..."
    )
    return parser


def report(loaded: list[LoadedTable], started: float) -> None:
    for table in loaded:
        print(f"{table.schema}.{table.table}: {table.rows} rows")
    print(f"loaded {len(loaded)} tables in {time.monotonic() - started:.1f} s", file=sys.stderr)
