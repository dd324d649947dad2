"""Run the project's dbt in a subprocess against a DuckDB file of our choosing."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
# A build of every model and data test without dbt's unit tests: those do not read the data, and
# run once in `make test`'s own build (checks that build other data use this).
BUILD_DATA_TESTS = ["build", "--exclude-resource-type", "unit_test"]

DBT = Path(sys.executable).with_name("dbt")


@dataclass(frozen=True)
class DbtRun:
    """The outcome of one dbt command."""

    returncode: int
    output: str
    target_path: Path


def run_dbt(
    args: list[str],
    db_path: Path,
    target_path: Path,
    raw_dir: Path | None = None,
    extra_env: dict[str, str] | None = None,
    project_dir: Path = REPO,
) -> DbtRun:
    """Run `dbt <args>` on `db_path`, writing artifacts to `target_path` (never the repo's target/,
    so parallel builds do not clobber each other)."""
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(REPO / ".dbt"),
        "DBT_DUCKDB_PATH": str(db_path),
        "DBT_TARGET_PATH": str(target_path),
        "DBT_LOG_PATH": str(target_path / "logs"),
        # No debug log file: a check reads dbt's output (about a tenth of a small build's CPU).
        "DBT_LOG_LEVEL_FILE": "none",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        # The DuckDB target unless a test asks for another: a shell that ran
        # scripts/postgres_local.sh exports DBT_TARGET=postgres.
        "DBT_TARGET": "duckdb",
    }
    if raw_dir is not None:
        env["RAW_DATA_DIR"] = str(raw_dir)
    env.update(extra_env or {})
    completed = subprocess.run(
        [str(DBT), *args, "--project-dir", str(project_dir)],
        cwd=project_dir,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return DbtRun(completed.returncode, completed.stdout + completed.stderr, target_path)


def query(db_path: Path, sql: str) -> list[tuple]:
    """Rows of `sql` on the warehouse, opened read-only and closed at once."""
    with duckdb.connect(str(db_path), read_only=True) as connection:
        return connection.execute(sql).fetchall()


def compiled_test_sql(target_path: Path, schema_file: str, name: str) -> str:
    """The SQL a build compiled for the generic data test named `name` (or starting so: dbt
    shortens long names with a hash) of `schema_file`, a path under models/."""
    folder = target_path / "compiled" / "revops_warehouse" / "models" / schema_file
    (path,) = folder.glob(f"{name}*.sql")
    return path.read_text()
