"""Load a raw directory in the contract layout into PostgreSQL, the way an EL tool lands it.

`<dir>/crm/*.csv`, `<dir>/billing/*.csv` and `<dir>/finance/*.csv` become the tables
`raw_crm.<file>`, `raw_billing.<file>` and `raw_finance.<file>` (and `<dir>/stripe/*.csv` and
`<dir>/hubspot/*.csv`, as Fivetran lands them, the tables `stripe.<file>`, `hubspot.<file>`): every
column `text` (staging casts
each one), plus `_loaded_at`, a load timestamp that increases with the file's row order (the
load's start plus the row's position in microseconds), so that the project's
`raw_loaded_at_column: _loaded_at` orders duplicate rows exactly as the files do. Each table is
replaced in one transaction (readers see the previous load until it commits), with COPY; a table
whose columns are unchanged keeps its identity (views on it stay), another is created anew.

    python -m scripts.load_raw_to_postgres [--raw-dir data/demo]

Connection from the environment, as in the profile: POSTGRES_HOST, POSTGRES_PORT, POSTGRES_USER,
POSTGRES_PASSWORD, POSTGRES_DB (scripts/postgres_local.sh prints them).
"""

from __future__ import annotations

import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg2
from psycopg2 import sql
from psycopg2.extensions import connection as Connection

from scripts.raw_files import (
    LOADED_AT_COLUMN,
    LoadedTable,
    csv_header,
    loader_arguments,
    raw_csv_files,
    report,
)


def connection_from_env() -> Connection:
    """A connection with the profile's environment variables."""
    params = {
        "host": os.environ.get("POSTGRES_HOST", "127.0.0.1"),
        "port": int(os.environ.get("POSTGRES_PORT", "5432")),
        "user": os.environ["POSTGRES_USER"],
        "dbname": os.environ.get("POSTGRES_DB", "revops"),
    }
    params["password"] = os.environ.get("POSTGRES_PASSWORD", "")
    return psycopg2.connect(**params)


def load_table(connection: Connection, schema: str, path: Path, loaded_at: datetime) -> LoadedTable:
    """Replace `schema.<file stem>` with the file's rows (all text) and their load timestamps."""
    table = path.stem
    columns = csv_header(path)
    target = sql.Identifier(schema, table)
    column_list = sql.SQL(", ").join(sql.Identifier(name) for name in columns)
    text_columns = sql.SQL(", ").join(
        sql.SQL("{} text").format(sql.Identifier(name)) for name in columns
    )
    with connection, connection.cursor() as cursor:
        cursor.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(schema)))
        cursor.execute(
            sql.SQL(
                "create temporary table raw_load ({}, raw_load_position bigserial) on commit drop"
            ).format(text_columns)
        )
        with path.open("rb") as handle:
            cursor.copy_expert(
                sql.SQL(
                    "copy raw_load ({}) from stdin with (format csv, header true, encoding 'UTF8')"
                )
                .format(column_list)
                .as_string(cursor),
                handle,
            )
        # Same columns as the loaded table: its rows are replaced in place, so the views staging
        # keeps on it (the source adapters) stay. Other columns: the table is created anew.
        cursor.execute(
            "select column_name from information_schema.columns"
            " where table_schema = %s and table_name = %s order by ordinal_position",
            (schema, table),
        )
        existing = [row[0] for row in cursor.fetchall()]
        select_rows = sql.SQL(
            "select {columns}, "
            "{loaded_at} + raw_load_position * interval '1 microsecond' as {loaded_at_column} "
            "from raw_load order by raw_load_position"
        ).format(
            columns=column_list,
            loaded_at=sql.Literal(loaded_at),
            loaded_at_column=sql.Identifier(LOADED_AT_COLUMN),
        )
        if existing == [*columns, LOADED_AT_COLUMN]:
            cursor.execute(sql.SQL("delete from {}").format(target))
            cursor.execute(sql.SQL("insert into {} ").format(target) + select_rows)
        else:
            cursor.execute(sql.SQL("drop table if exists {} cascade").format(target))
            cursor.execute(sql.SQL("create table {} as ").format(target) + select_rows)
        rows = cursor.rowcount
    return LoadedTable(schema, table, rows)


def load_raw_dir(
    connection: Connection, raw_dir: Path, schema_prefix: str = "raw_"
) -> list[LoadedTable]:
    """Load every `<source>/*.csv` of `raw_dir`; returns what was loaded, in load order."""
    files = raw_csv_files(raw_dir, schema_prefix)
    loaded_at = datetime.now(UTC)
    return [load_table(connection, schema, path, loaded_at) for schema, path in files]


def main(argv: list[str] | None = None) -> int:
    parser = loader_arguments(__doc__.splitlines()[0])
    args = parser.parse_args(argv)
    started = time.monotonic()
    connection = connection_from_env()
    try:
        loaded = load_raw_dir(connection, args.raw_dir, args.schema_prefix)
    finally:
        connection.close()
    report(loaded, started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
