"""Run the project's dbt in a subprocess against a DuckDB file of our choosing."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
# A build of every model and data test without dbt's unit tests: those do not read the data, and
# run once in `make test`'s own build (checks that build other data use this).
BUILD_DATA_TESTS = ["build", "--exclude-resource-type", "unit_test"]
# A build of the relations alone, for checks that compare what was built.
BUILD_MODELS_ONLY = ["build", "--exclude-resource-type", "test", "unit_test"]

DBT = Path(sys.executable).with_name("dbt")
# A folder of this pytest worker's own (conftest sets it): dbt's parse of one run is reused by
# the next one of the same project, vars and target, as a daily production run reuses it.
PARSE_CACHE = "REVOPS_DBT_PARSE_CACHE"
PARTIAL_PARSE = "partial_parse.msgpack"


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
    env = dbt_env(db_path, target_path, raw_dir, extra_env)
    with reused_parse(args, env, project_dir, db_path, target_path):
        completed = subprocess.run(
            [str(DBT), *args, "--project-dir", str(project_dir)],
            cwd=project_dir,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    return DbtRun(completed.returncode, completed.stdout + completed.stderr, target_path)


def run_dbt_batch(commands: list[tuple[list[str], Path]], db_path: Path) -> list[DbtRun]:
    """Run each `dbt <args>` of `commands` on `db_path`, writing its artifacts to its target
    path, all in one Python process (python_checks/dbt_batch.py): for commands that parse from
    nothing anyway, e.g. each with vars of its own."""
    (_, first_target), *_ = commands
    results = first_target.parent / f"{first_target.name}_batch.json"
    listed = [
        [*args, "--target-path", str(target), "--log-path", str(target / "logs")]
        for args, target in commands
    ]
    completed = subprocess.run(
        [sys.executable, "-m", "python_checks.dbt_batch", str(results)],
        cwd=REPO,
        env=dbt_env(db_path, first_target, None, None),
        input=json.dumps(listed),
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    return [
        DbtRun(result["returncode"], result["output"], target)
        for result, (_, target) in zip(json.loads(results.read_text()), commands, strict=True)
    ]


def dbt_env(
    db_path: Path, target_path: Path, raw_dir: Path | None, extra_env: dict[str, str] | None
) -> dict[str, str]:
    """The environment of a dbt run on `db_path` with artifacts in `target_path`."""
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
    return env


def copy_warehouse(db_path: Path, folder: Path) -> Path:
    """A copy of a built warehouse in `folder` (made if missing), under the same file name: the
    name is the DuckDB catalog's and part of the saved parse's key (reused_parse)."""
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(db_path, folder / db_path.name))


def parse_key(args: list[str], env: dict[str, str], project_dir: Path, db_name: str) -> str:
    """What dbt's saved parse depends on beyond the project's files (which dbt checks itself):
    the project, the command line's vars, the target and the database's name. A wrong guess
    costs only a full parse: dbt rejects a saved parse whose profile, vars or target differ."""
    vars_given = [args[i + 1] for i, arg in enumerate(args[:-1]) if arg == "--vars"]
    parts = [str(project_dir), db_name, env["DBT_TARGET"], *vars_given]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:16]


@contextmanager
def reused_parse(
    args: list[str], env: dict[str, str], project_dir: Path, db_path: Path, target_path: Path
) -> Iterator[None]:
    """Let dbt reuse the parse of this worker's previous run of the same key. dbt keys its saved
    parse on the profile, the DuckDB file's path included, so the run opens its file through a
    link of a fixed path in the worker's folder (DuckDB's side files, its log and spill folder,
    are then beside the link); the saved parse is copied into the run's target folder before,
    and back after. dbt runs as is without the folder (no conftest), when a run of the same file
    name holds the link (runs at once in threads), or when the file has a log of its own that
    DuckDB must read beside it."""
    cache = os.environ.get(PARSE_CACHE)
    own_wal = db_path.with_name(db_path.name + ".wal")
    if not cache or env["DBT_TARGET"] != "duckdb" or own_wal.exists():
        yield
        return
    link = Path(cache) / "db" / db_path.name
    link.parent.mkdir(parents=True, exist_ok=True)
    try:
        link.symlink_to(db_path.absolute())
    except FileExistsError:
        yield
        return
    saved = Path(cache) / f"{parse_key(args, env, project_dir, db_path.name)}.msgpack"
    env["DBT_DUCKDB_PATH"] = str(link)
    target_path.mkdir(parents=True, exist_ok=True)
    if saved.exists() and not (target_path / PARTIAL_PARSE).exists():
        shutil.copy(saved, target_path / PARTIAL_PARSE)
    try:
        yield
    finally:
        # A run that did not end cleanly leaves DuckDB's log beside the link: it belongs beside
        # the real file.
        wal = link.with_name(link.name + ".wal")
        if wal.exists():
            wal.replace(own_wal)
        link.unlink()
        if (target_path / PARTIAL_PARSE).exists():
            # Written aside and renamed: another thread may read the saved parse meanwhile.
            aside = saved.with_name(f"{saved.name}.{os.getpid()}.{threading.get_ident()}")
            shutil.copy(target_path / PARTIAL_PARSE, aside)
            aside.replace(saved)


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
