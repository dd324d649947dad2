"""The project on PostgreSQL, opt-in (REVOPS_POSTGRES=1): the demo raw data loaded as an EL tool
would (scripts/load_raw_to_postgres.py), `dbt build` on Postgres green, every mart equal to the
DuckDB build row by row (money to the cent, rates within 1e-9), and the read-only BI role reads
every mart and nothing else: no raw, staging or intermediate relation, no personal-data column,
no write of any kind.

Needs a server: `eval "$(scripts/postgres_local.sh)"` (run here when POSTGRES_USER is not set;
needs root or sudo) and dbt-postgres + psycopg2 in the venv. The build replaces the raw and
layer schemas of the database POSTGRES_DB: use a database of its own.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from python_checks import engine_comparison
from python_checks.conftest import DEMO_RAW_DIR
from python_checks.dbt_runner import REPO, DbtRun, run_dbt
from python_checks.engine_comparison import Row, duckdb_mart, mart_differences

# Every PostgreSQL check module's marker.
POSTGRES_OPT_IN = pytest.mark.skipif(
    os.environ.get("REVOPS_POSTGRES") != "1",
    reason="PostgreSQL checks are opt-in: set REVOPS_POSTGRES=1 (a server from "
    "scripts/postgres_local.sh, dbt-postgres and psycopg2 installed)",
)
pytestmark = POSTGRES_OPT_IN

PERSONAL_COLUMNS = ("email", "first_name", "last_name", "customer_name", "name")
FORBIDDEN_SCHEMAS = ("raw_crm", "raw_billing", "raw_finance", "staging", "intermediate")
INSUFFICIENT_PRIVILEGE = "42501"
POSTGRES_OUTPUT = {
    "type": "postgres",
    "host": "{{ env_var('POSTGRES_HOST', '127.0.0.1') }}",
    "port": "{{ env_var('POSTGRES_PORT', '5432') | as_number }}",
    "user": "{{ env_var('POSTGRES_USER') }}",
    "password": "{{ env_var('POSTGRES_PASSWORD') }}",
    "dbname": "{{ env_var('POSTGRES_DB', 'revops') }}",
    "schema": "analytics",
    "threads": 4,
}


def server_env() -> dict[str, str]:
    """The connection environment: the caller's, else what scripts/postgres_local.sh prints."""
    if os.environ.get("POSTGRES_USER"):
        return {k: v for k, v in os.environ.items() if k.startswith("POSTGRES_")}
    printed = subprocess.run(
        ["bash", str(REPO / "scripts" / "postgres_local.sh")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    exports = [shlex.split(line)[1] for line in printed.splitlines() if line.startswith("export ")]
    return {
        name: value
        for name, _, value in (item.partition("=") for item in exports)
        if name.startswith("POSTGRES_")
    }


def connect(env: dict[str, str], bi: bool = False) -> Any:
    import psycopg2

    params: dict[str, Any] = {
        "host": env.get("POSTGRES_HOST", "127.0.0.1"),
        "port": int(env.get("POSTGRES_PORT", "5432")),
        "dbname": env.get("POSTGRES_DB", "revops"),
        "user": env["POSTGRES_BI_USER" if bi else "POSTGRES_USER"],
    }
    params["password"] = env["POSTGRES_BI_PASSWORD" if bi else "POSTGRES_PASSWORD"]
    return psycopg2.connect(**params)


def pg_rows(connection: Any, sql: str) -> list[Row]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        columns = [column.name for column in cursor.description]
        return [dict(zip(columns, row)) for row in cursor.fetchall()]


def postgres_profiles_dir(directory: Path) -> Path:
    """The project's profiles with a `postgres` output (the repo's own when it has one)."""
    profiles = yaml.safe_load((REPO / ".dbt" / "profiles.yml").read_text())
    outputs = profiles["revops_warehouse"]["outputs"]
    if "postgres" in outputs:
        return REPO / ".dbt"
    outputs["postgres"] = POSTGRES_OUTPUT
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "profiles.yml").write_text(yaml.safe_dump(profiles, sort_keys=False))
    return directory


@pytest.fixture(scope="module")
def pg_env() -> dict[str, str]:
    try:
        import psycopg2  # noqa: F401
    except ImportError:
        pytest.fail(
            "REVOPS_POSTGRES=1 needs psycopg2 and dbt-postgres: "
            "pip install 'dbt-postgres==1.11.*' psycopg2-binary"
        )
    env = server_env()
    env.setdefault("POSTGRES_BI_USER", "bi_reader")
    missing = [
        name
        for name in ("POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_BI_PASSWORD")
        if not env.get(name)
    ]
    assert not missing, f"set {', '.join(missing)} (scripts/postgres_local.sh prints them)"
    return env


@pytest.fixture(scope="module")
def pg_build(pg_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> DbtRun:
    """The demo data loaded into raw_* schemas, then `dbt build --full-refresh` on Postgres: the
    server (and its database) outlives a test run, so an incremental model left by an earlier
    checkout must not be extended, nor fail on a column this checkout added."""
    loaded = load_raw(pg_env, DEMO_RAW_DIR)
    assert {table.schema for table in loaded} == {
        "raw_crm",
        "raw_billing",
        "raw_finance",
        "stripe",
        "hubspot",
        "salesforce",
    }

    return build_on_postgres(pg_env, tmp_path_factory.mktemp("postgres_build"), {})


def build_on_postgres(
    env: dict[str, str],
    workdir: Path,
    dbt_vars: dict[str, Any],
    build_args: tuple[str, ...] = ("--full-refresh",),
    extra_env: dict[str, str] | None = None,
) -> DbtRun:
    """`dbt build --full-refresh` (or `build_args`) of the raw tables loaded as an EL tool would
    (`_loaded_at` orders the loads), every test included; fails the test with dbt's errors."""
    dbt_vars = {
        "raw_loaded_at_column": "_loaded_at",
        "bi_reader_role": env["POSTGRES_BI_USER"],
        **dbt_vars,
    }
    run = run_dbt(
        ["build", *build_args, "--vars", json.dumps(dbt_vars)],
        workdir / "unused.duckdb",
        workdir / "target",
        extra_env={
            **env,
            "DBT_TARGET": "postgres",
            "DBT_PROFILES_DIR": str(postgres_profiles_dir(workdir / "profiles")),
            **(extra_env or {}),
        },
    )
    failures = [line for line in run.output.splitlines() if "Error" in line or "ERROR" in line]
    assert run.returncode == 0, "\n".join(failures[:40]) + "\n" + run.output[-4000:]
    return run


def database_of_its_own(pg_env: dict[str, str], suffix: str) -> dict[str, str]:
    """The connection environment for the database `<POSTGRES_DB>_<suffix>`, created when missing
    (scripts/postgres_local.sh), so a check never replaces the schemas another one reads."""
    env = {**pg_env, "POSTGRES_DB": f"{pg_env.get('POSTGRES_DB', 'revops')}_{suffix}"}
    subprocess.run(
        ["bash", str(REPO / "scripts" / "postgres_local.sh")],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return env


def load_raw(env: dict[str, str], raw_dir: Path) -> list[Any]:
    """`raw_dir` loaded as an EL tool would (scripts/load_raw_to_postgres.py)."""
    from scripts.load_raw_to_postgres import load_raw_dir

    connection = connect(env)
    try:
        return load_raw_dir(connection, raw_dir)
    finally:
        connection.close()


@pytest.fixture(scope="module")
def pg(pg_env: dict[str, str], pg_build: DbtRun) -> Iterator[Any]:
    connection = connect(pg_env)
    connection.autocommit = True
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def bi(pg_env: dict[str, str], pg_build: DbtRun) -> Iterator[Any]:
    connection = connect(pg_env, bi=True)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def mart_keys(pg_build: DbtRun) -> dict[str, tuple[str, ...]]:
    """Every mart of the Postgres build and its key, from its unique tests in the manifest."""
    return engine_comparison.mart_keys(
        json.loads((pg_build.target_path / "manifest.json").read_text())
    )


def postgres_mart_differences(
    connection: Any, demo_warehouse: Path, keys: dict[str, tuple[str, ...]], label: str
) -> list[str]:
    """Every difference between the marts on Postgres and those of the DuckDB demo build; each
    mart must be there, not empty, with the same columns in the same order."""
    differences: list[str] = []
    for mart, key in sorted(keys.items()):
        columns, duck_rows = duckdb_mart(demo_warehouse, mart)
        postgres_rows = pg_rows(connection, f'select * from marts."{mart}"')
        assert postgres_rows, f"{mart} is empty on Postgres"
        assert list(postgres_rows[0]) == columns, f"{mart}: columns differ"
        differences += mart_differences(duck_rows, postgres_rows, mart, key, label)
    return differences


def test_every_mart_equals_the_duckdb_build(
    pg: Any, demo_warehouse: Path, mart_keys: dict[str, tuple[str, ...]]
) -> None:
    differences = postgres_mart_differences(pg, demo_warehouse, mart_keys, "Postgres")
    assert differences == [], "\n".join(differences[:50])


def test_quarantine_reasons_are_the_same_on_both_engines(pg: Any, demo_warehouse: Path) -> None:
    for source in ("crm", "billing", "finance"):
        sql = (
            f"select source_table, quarantine_reason, count(*) as row_count "
            f"from staging.stg_{source}__quarantined_rows group by 1, 2 order by 1, 2"
        )
        with duckdb.connect(str(demo_warehouse), read_only=True) as duck:
            on_duckdb = [tuple(row) for row in duck.execute(sql).fetchall()]
        on_postgres = [tuple(row.values()) for row in pg_rows(pg, sql)]
        assert on_postgres == on_duckdb, source


def attempt(connection: Any, sql: str) -> str | None:
    """Run `sql` in a transaction that is always rolled back; the SQLSTATE of its error, or None."""
    import psycopg2

    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
        return None
    except psycopg2.Error as error:
        return error.pgcode or "error"
    finally:
        connection.rollback()


def test_the_bi_role_reads_every_mart(
    pg: Any, bi: Any, mart_keys: dict[str, tuple[str, ...]]
) -> None:
    for mart in sorted(mart_keys):
        sql = f'select count(*) as row_count from marts."{mart}"'
        assert attempt(bi, sql) is None, f"the BI role cannot read marts.{mart}"
        assert pg_rows(bi, sql) == pg_rows(pg, sql)
        bi.rollback()


def test_the_bi_role_reads_nothing_but_the_marts(pg: Any, bi: Any) -> None:
    relations = [
        (row["schema"], row["name"])
        for row in pg_rows(
            pg,
            """
            select n.nspname as schema, c.relname as name
            from pg_class as c inner join pg_namespace as n on c.relnamespace = n.oid
            where c.relkind in ('r', 'v', 'm', 'p', 'f')
                and n.nspname not in ('marts', 'pg_catalog', 'information_schema', 'pg_toast')
                and n.nspname not like 'pg_temp%' and n.nspname not like 'pg_toast_temp%'
            order by 1, 2
        """,
        )
    ]
    assert {schema for schema, _ in relations} >= set(FORBIDDEN_SCHEMAS)
    readable = [
        f"{schema}.{name}"
        for schema, name in relations
        if attempt(bi, f'select * from "{schema}"."{name}" limit 0') != INSUFFICIENT_PRIVILEGE
    ]
    assert readable == []


def test_the_bi_role_reads_no_personal_data_column(pg: Any, bi: Any) -> None:
    names = ", ".join(f"'{name}'" for name in PERSONAL_COLUMNS)
    sql = (
        "select table_schema, table_name, column_name from information_schema.columns "
        f"where column_name in ({names}) "
        "and table_schema not in ('pg_catalog', 'information_schema')"
    )
    personal = pg_rows(pg, sql)
    # The scan works: raw and staging do hold personal data (the owner sees it).
    assert {row["table_schema"] for row in personal} >= {"raw_crm", "raw_billing", "staging"}
    assert not [row for row in personal if row["table_schema"] == "marts"]
    readable = [
        f"{schema}.{table}.{column}"
        for schema, table, column in (tuple(row.values()) for row in personal)
        if attempt(bi, f'select "{column}" from "{schema}"."{table}" limit 0')
        != INSUFFICIENT_PRIVILEGE
    ]
    assert readable == []
    # information_schema shows a role only the columns it has a privilege on.
    assert pg_rows(bi, sql) == []
    bi.rollback()


@pytest.mark.parametrize(
    "statement",
    [
        "insert into marts.kpi_mrr select * from marts.kpi_mrr where false",
        "update marts.kpi_mrr set ending_mrr = ending_mrr where false",
        "delete from marts.kpi_mrr where false",
        "truncate marts.kpi_mrr",
        "drop table marts.kpi_mrr",
        "alter table marts.kpi_mrr add column probe integer",
        "create table marts.bi_probe (probe integer)",
        "create view marts.bi_probe as select 1 as probe",
        "create table public.bi_probe (probe integer)",
        "create schema bi_probe",
        "create temporary table bi_probe (probe integer)",
    ],
)
def test_the_bi_role_cannot_write(bi: Any, statement: str) -> None:
    assert attempt(bi, statement) == INSUFFICIENT_PRIVILEGE, statement


def test_preflight_names_every_missing_table_and_column(
    pg_env: dict[str, str], pg: Any, tmp_path: Path
) -> None:
    """The pre-flight reads warehouse tables through the catalog (information_schema): a raw
    billing schema without refunds and with line items lacking quantity and amount stops the
    build before any model, with one message naming them all."""
    schema = "raw_preflight_billing"
    with pg.cursor() as cursor:
        cursor.execute(f"drop schema if exists {schema} cascade; create schema {schema}")
        for table in ("customers", "prices", "subscriptions", "invoices", "invoice_line_items"):
            cursor.execute(
                f"create table {schema}.{table} as select * from raw_billing.{table} limit 0"
            )
        cursor.execute(
            f"alter table {schema}.invoice_line_items drop column quantity, drop column amount"
        )
    try:
        dbt_vars = {
            "raw_loaded_at_column": "_loaded_at",
            "raw_billing_schema": schema,
            "bi_reader_role": pg_env["POSTGRES_BI_USER"],
        }
        run = run_dbt(
            ["build", "--vars", json.dumps(dbt_vars)],
            tmp_path / "unused.duckdb",
            tmp_path / "target",
            extra_env={
                **pg_env,
                "DBT_TARGET": "postgres",
                "DBT_PROFILES_DIR": str(postgres_profiles_dir(tmp_path / "profiles")),
            },
        )
    finally:
        with pg.cursor() as cursor:
            cursor.execute(f"drop schema if exists {schema} cascade")
    assert run.returncode != 0
    assert run.output.count("The raw data does not match the raw data contract") == 1
    assert f"{schema}.invoice_line_items: missing required columns quantity, amount\n" in run.output
    assert f"{schema}.refunds: not found\n" in run.output
    assert "START sql" not in run.output
