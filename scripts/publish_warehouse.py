"""Write, audit, publish: build the warehouse into a work file, and only when every model and
test passed, replace the file BI tools open with it in one atomic rename.

DuckDB locks a database file both ways (a writer blocks readers and a reader blocks the
writer), so dbt never opens the published file: it builds `<published>.building`, generates
the docs from it, checkpoints it and renames it over the published file. Readers that hold the
old file keep reading the old, complete warehouse; readers that open it afterwards see the new
one; a failed build or test leaves the published file untouched.

    python -m scripts.publish_warehouse --published warehouse.duckdb [--parquet-dir DIR]
        [-- <extra dbt build arguments, e.g. --vars '{as_of_date: 2026-06-30}'>]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
DBT = Path(sys.executable).with_name("dbt")


def work_path(published: Path) -> Path:
    return published.with_name(published.name + ".building")


def remove_database(path: Path) -> None:
    for candidate in (path, path.with_name(path.name + ".wal")):
        candidate.unlink(missing_ok=True)


def run_dbt(args: list[str], database: Path) -> int:
    env = {**os.environ, "DBT_DUCKDB_PATH": str(database)}
    env.setdefault("DBT_PROFILES_DIR", str(REPO / ".dbt"))
    return subprocess.run([str(DBT), *args], cwd=REPO, env=env, check=False).returncode


def checkpoint(database: Path) -> None:
    """Fold the write-ahead log into the file, so the renamed file is complete on its own."""
    with duckdb.connect(str(database)) as connection:
        connection.execute("checkpoint")


def export_parquet(database: Path, parquet_dir: Path) -> None:
    """Every mart as `<parquet_dir>/<mart>.parquet`, swapped in as a whole directory."""
    staging_dir = parquet_dir.with_name(parquet_dir.name + ".building")
    shutil.rmtree(staging_dir, ignore_errors=True)
    staging_dir.mkdir(parents=True)
    with duckdb.connect(str(database), read_only=True) as connection:
        marts = [
            row[0]
            for row in connection.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'marts' order by table_name"
            ).fetchall()
        ]
        for mart in marts:
            target = (staging_dir / f"{mart}.parquet").as_posix().replace("'", "''")
            connection.execute(f"copy marts.{mart} to '{target}' (format parquet)")
    previous = parquet_dir.with_name(parquet_dir.name + ".previous")
    shutil.rmtree(previous, ignore_errors=True)
    if parquet_dir.exists():
        parquet_dir.rename(previous)
    staging_dir.rename(parquet_dir)
    shutil.rmtree(previous, ignore_errors=True)


def build_and_publish(
    published: Path, dbt_args: list[str], parquet_dir: Path | None = None, docs: bool = True
) -> int:
    """Build into the work file, audit (dbt build runs every test), then publish. Returns the
    exit code of the first failing step (0 when published)."""
    work = work_path(published)
    remove_database(work)
    code = run_dbt(["build", *dbt_args], work)
    if code != 0:
        print(f"build or tests failed: {published} left as it was", file=sys.stderr)
        return code
    if docs:
        code = run_dbt(["docs", "generate", "--static", *dbt_args], work)
        if code != 0:
            print(f"docs generation failed: {published} left as it was", file=sys.stderr)
            return code
    checkpoint(work)
    os.replace(work, published)
    print(f"published {published}")
    if parquet_dir is not None:
        export_parquet(published, parquet_dir)
        print(f"exported the marts to {parquet_dir}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--published", type=Path, default=REPO / "warehouse.duckdb")
    parser.add_argument("--parquet-dir", type=Path, default=None)
    parser.add_argument("--no-docs", action="store_true", help="skip dbt docs generate")
    parser.add_argument("dbt_args", nargs="*", help="extra arguments for dbt (after --)")
    args = parser.parse_args(argv)
    return build_and_publish(
        args.published.resolve(), args.dbt_args, args.parquet_dir, docs=not args.no_docs
    )


if __name__ == "__main__":
    sys.exit(main())
