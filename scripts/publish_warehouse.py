"""Write, audit, publish: build the warehouse into a work file, and only when every model and
test passed, replace the file BI tools open with it in one atomic rename.

DuckDB locks a database file both ways (a writer blocks readers and a reader blocks the
writer), so dbt never opens the published file. One build at a time holds `<published>.lock`;
a second one stops at once (exit 75) or, with --wait, waits its turn. The build copies the
published file to the work file `<published>.building` (its own while it holds the lock; one
name for every build, so that dbt's partial parsing, keyed on the profile and so on the file's
name, carries over from one daily build to the next), so the incremental models run
incrementally (from nothing with --full-refresh or on a first build); it runs `dbt build` (every
model and data test; unit tests with --unit-tests) and `dbt docs generate` on it, checkpoints
it and renames it over the published file. Readers that hold the old file keep reading the old,
complete warehouse; readers that open it afterwards see the new one; a failed build, test or
docs step removes the work file and leaves the published file (and its Parquet export) as it
was.

    python -m scripts.publish_warehouse --published warehouse.duckdb [--parquet-dir DIR]
        [--full-refresh] [--wait] [--unit-tests] [--no-docs]
        [-- <extra dbt arguments, e.g. --vars '{as_of_date: 2026-06-30}'>]
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

import duckdb

REPO = Path(__file__).resolve().parents[1]
DBT = Path(sys.executable).with_name("dbt")
# sysexits.h's EX_TEMPFAIL: nothing is wrong, try again later (another build holds the lock).
LOCK_BUSY = 75
FULL_REFRESH = "--full-refresh"


@dataclass(frozen=True)
class Options:
    published: Path
    dbt_args: list[str]
    parquet_dir: Path | None = None
    docs: bool = True
    full_refresh: bool = False
    wait: bool = False
    unit_tests: bool = False


@dataclass
class Report:
    """Which mode ran and how long each step took, printed at the end whatever happened."""

    mode: str = "not started"
    steps: list[tuple[str, float]] = field(default_factory=list)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        started = time.monotonic()
        try:
            yield
        finally:
            self.steps.append((name, time.monotonic() - started))

    def render(self) -> str:
        lines = [f"mode: {self.mode}"]
        lines += [f"  {name:<26}{seconds:8.1f} s" for name, seconds in self.steps]
        lines.append(f"  {'total':<26}{sum(s for _, s in self.steps):8.1f} s")
        return "\n".join(lines)


def lock_path(published: Path) -> Path:
    return published.with_name(published.name + ".lock")


def work_path(published: Path) -> Path:
    return published.with_name(f"{published.name}.building")


def stale_work_files(published: Path) -> list[Path]:
    """Work files (and their logs) of builds that died without cleaning up. Only called under
    the lock: then no other build of this published file is running. `<published>.building-<pid>`
    is the work file of an earlier version."""
    pattern = re.compile(re.escape(published.name) + r"\.building(-\d+)?(\.wal)?")
    return sorted(p for p in published.parent.iterdir() if pattern.fullmatch(p.name))


def remove_database(path: Path) -> None:
    for candidate in (path, path.with_name(path.name + ".wal")):
        candidate.unlink(missing_ok=True)


def written_holder(handle: TextIO) -> tuple[int, str] | None:
    """The pid and start time a holder wrote into the lock file, if it holds one."""
    handle.seek(0)
    try:
        written = json.loads(handle.read())
        return int(written["pid"]), str(written["since"])
    except (ValueError, KeyError, TypeError):
        return None


def running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def holder(handle: TextIO, patience: float = 2.0) -> str:
    """Who holds the lock. A holder writes its pid just after it takes the lock, so a build
    started at the same instant can find the file still empty, or still naming the previous
    holder (gone): read again for a moment before giving up."""
    deadline = time.monotonic() + patience
    while True:
        written = written_holder(handle)
        if written is not None and running(written[0]):
            return f"pid {written[0]}, since {written[1]}"
        if time.monotonic() > deadline:
            return "pid unknown"
        time.sleep(0.02)


def try_lock(handle: TextIO, block: bool) -> bool:
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | (0 if block else fcntl.LOCK_NB))
    except BlockingIOError:
        return False
    return True


def acquire_lock(published: Path, wait: bool, report: Report) -> TextIO | None:
    """The exclusive lock on `<published>.lock`, or None when another build holds it and we may
    not wait. The lock file is never deleted: a build that deleted it while another waited on
    it would let a third build lock a new file and run beside the second. The kernel releases
    the lock when its holder exits, however it exits."""
    path = lock_path(published)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Open without truncating: the holder's pid stays readable until we hold the lock.
    handle = os.fdopen(os.open(path, os.O_RDWR | os.O_CREAT, 0o644), "r+")
    if not try_lock(handle, block=False):
        if not wait:
            print(
                f"another build holds {path} ({holder(handle)}); nothing was built. "
                "Run with --wait (make build WAIT=1) to build after it.",
                file=sys.stderr,
            )
            handle.close()
            return None
        print(f"waiting for the build holding {path} ({holder(handle)})", flush=True)
        with report.step("wait for the lock"):
            try_lock(handle, block=True)
    handle.seek(0)
    handle.truncate()
    since = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    handle.write(json.dumps({"pid": os.getpid(), "since": since}) + "\n")
    handle.flush()
    return handle


def unusable_reason(database: Path) -> str | None:
    """Why a copied published file cannot start an incremental build, or None when it can."""
    try:
        with duckdb.connect(str(database), read_only=True) as connection:
            connection.execute("select count(*) from duckdb_tables()").fetchone()
    except (duckdb.Error, OSError) as error:
        return f"it does not open as a DuckDB database: {error}"
    return None


def copy_published(published: Path, work: Path) -> str | None:
    """Copy the published file to the work file; the reason when it cannot serve, else None.
    The published file is always checkpointed by this script: a write-ahead log beside it means
    something else wrote it, and its state is not the file alone."""
    wal = published.with_name(published.name + ".wal")
    if wal.exists():
        return f"a write-ahead log lies beside it ({wal})"
    try:
        shutil.copyfile(published, work)
    except OSError as error:
        return f"it could not be copied: {error}"
    return unusable_reason(work)


def start_work_file(options: Options, work: Path, report: Report) -> str:
    """Start the work file and return the mode: a copy of the published file, so the incremental
    models only recompute their window, or nothing for a full refresh or a first build."""
    published = options.published
    if options.full_refresh:
        return "full refresh"
    if not published.exists():
        return "first build"
    with report.step("copy the published file"):
        reason = copy_published(published, work)
    if reason is None:
        return f"incremental from {published}"
    remove_database(work)
    print(f"cannot build incrementally from {published}: {reason}; building from nothing")
    return "full refresh (the published file could not be used)"


def run_dbt(args: list[str], database: Path, touched_only: bool = False) -> int:
    env = {**os.environ, "DBT_DUCKDB_PATH": str(database)}
    env.setdefault("DBT_PROFILES_DIR", str(REPO / ".dbt"))
    if touched_only:
        # The data tests of incremental models read the rows this run recomputed (D40); a
        # user's own DBT_DATA_TEST_SCOPE (e.g. `all` for a full check on a daily run) wins.
        env.setdefault("DBT_DATA_TEST_SCOPE", "touched")
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


def failed(step: str, code: int, mode: str) -> int:
    print(f"{step} failed (exit code {code})", file=sys.stderr)
    if mode.startswith("incremental"):
        # The incremental models keep their rows from before the window: after a switch of raw
        # data they would keep the old data's rows (the data tests caught that when tried, but
        # need not always); on_schema_change: fail stops a model whose columns changed. Both
        # need a build from nothing.
        print(
            "an incremental run: if the raw data (RAW_DATA_DIR, RAW_DATA_FORMAT, a source var) "
            f"or a model's columns changed since the published build, run with {FULL_REFRESH} "
            "(make build FULL_REFRESH=1)",
            file=sys.stderr,
        )
    return code


def build_work_file(options: Options, work: Path, report: Report) -> int:
    """Everything before the publish: start the work file, build and test it, document it and
    fold its log in. Returns the failing step's exit code, or 0 when it is ready to publish."""
    report.mode = start_work_file(options, work, report)
    print(f"building {work.name}: {report.mode}", flush=True)
    refresh = [FULL_REFRESH] if options.full_refresh else []
    # Unit tests check the code, not the data: `make test` and CI run them; a data refresh runs
    # every data test (D38).
    code_checks = [] if options.unit_tests else ["--exclude-resource-type", "unit_test"]
    with report.step("dbt build"):
        code = run_dbt(
            ["build", *refresh, *code_checks, *options.dbt_args],
            work,
            touched_only=report.mode.startswith("incremental"),
        )
    if code != 0:
        return failed("dbt build (models and tests)", code, report.mode)
    if options.docs:
        with report.step("dbt docs generate"):
            # The build just compiled every node into target/: no second compile (7 s of 9 on
            # the demo).
            code = run_dbt(
                ["docs", "generate", "--static", "--no-compile", *options.dbt_args], work
            )
        if code != 0:
            return failed("dbt docs generate", code, report.mode)
    with report.step("checkpoint"):
        checkpoint(work)
    return 0


def build_and_publish_locked(options: Options, report: Report) -> int:
    """Under the lock: clear what killed builds left, build, publish, export."""
    for stale in stale_work_files(options.published):
        stale.unlink()
        print(f"removed {stale.name}, left by a build that did not finish")
    work = work_path(options.published)
    published = False
    try:
        code = build_work_file(options, work, report)
        if code != 0:
            return code
        with report.step("publish (rename)"):
            # A log beside the published file is the old file's (see copy_published): DuckDB
            # must not replay it into the new one. Removed first, a reader opening in between
            # sees the old file as last checkpointed.
            options.published.with_name(options.published.name + ".wal").unlink(missing_ok=True)
            os.replace(work, options.published)
        published = True
        print(f"published {options.published}")
    finally:
        # A failed or interrupted build's work file; already renamed away once published.
        remove_database(work)
        if not published:
            print(f"nothing published: {options.published} left as it was", file=sys.stderr)
    if options.parquet_dir is not None:
        with report.step("Parquet export"):
            export_parquet(options.published, options.parquet_dir)
        print(f"exported the marts to {options.parquet_dir}")
    return 0


def build_and_publish(options: Options) -> int:
    """Returns the exit code of the first failing step (0 when published, 75 when another build
    holds the lock)."""
    report = Report()
    lock = acquire_lock(options.published, options.wait, report)
    if lock is None:
        return LOCK_BUSY
    with lock:
        try:
            return build_and_publish_locked(options, report)
        finally:
            print(report.render(), flush=True)


def parse_options(argv: list[str] | None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--published", type=Path, default=REPO / "warehouse.duckdb")
    parser.add_argument("--parquet-dir", type=Path, default=None)
    parser.add_argument("--no-docs", action="store_true", help="skip dbt docs generate")
    parser.add_argument(
        FULL_REFRESH,
        action="store_true",
        help="build from nothing, not from a copy of the published file (passed on to dbt)",
    )
    parser.add_argument(
        "--wait", action="store_true", help="wait for a build holding the lock, then build"
    )
    parser.add_argument(
        "--unit-tests", action="store_true", help="also run dbt's unit tests (make test does)"
    )
    parser.add_argument("dbt_args", nargs="*", help="extra arguments for dbt (after --)")
    args = parser.parse_args(argv)
    # --full-refresh after `--` still means a build from nothing; `dbt docs generate` rejects it.
    dbt_args = [arg for arg in args.dbt_args if arg != FULL_REFRESH]
    return Options(
        published=args.published.resolve(),
        dbt_args=dbt_args,
        parquet_dir=args.parquet_dir,
        docs=not args.no_docs,
        full_refresh=args.full_refresh or len(dbt_args) < len(args.dbt_args),
        wait=args.wait,
        unit_tests=args.unit_tests,
    )


def stop_on_sigterm(signum: int, frame: object) -> None:
    """A terminated build unwinds like an interrupted one: subprocess.run kills dbt, and the
    work file is removed (Python's default for SIGTERM exits without either)."""
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    return build_and_publish(parse_options(argv))


if __name__ == "__main__":
    sys.exit(main())
