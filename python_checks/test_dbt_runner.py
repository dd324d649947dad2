"""The checks' dbt runner reuses dbt's parse between runs of the same key, through a link of a
fixed path to each run's DuckDB file, and steps aside where that would be unsafe."""

from __future__ import annotations

from pathlib import Path

import pytest

from python_checks.dbt_runner import PARSE_CACHE, PARTIAL_PARSE, reused_parse

ARGS = ["build", "--vars", "{as_of_date: '2024-06-30'}"]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    folder.mkdir()
    monkeypatch.setenv(PARSE_CACHE, str(folder))
    return folder


def duckdb_env(db_path: Path) -> dict[str, str]:
    return {"DBT_TARGET": "duckdb", "DBT_DUCKDB_PATH": str(db_path)}


def test_a_run_opens_its_file_through_the_link_and_the_next_one_gets_its_parse(
    cache: Path, tmp_path: Path
) -> None:
    first_db, second_db = tmp_path / "a" / "warehouse.duckdb", tmp_path / "b" / "warehouse.duckdb"
    first_db.parent.mkdir()
    second_db.parent.mkdir()
    env = duckdb_env(first_db)
    with reused_parse(ARGS, env, tmp_path, first_db, tmp_path / "a" / "target"):
        link = Path(env["DBT_DUCKDB_PATH"])
        assert link.parent.parent == cache and link.name == "warehouse.duckdb"
        assert link.resolve() == first_db.resolve()
        (tmp_path / "a" / "target" / PARTIAL_PARSE).write_bytes(b"the first run's parse")
        # What dbt would do: the link's log is left behind by a run that did not end cleanly.
        link.with_name(link.name + ".wal").write_bytes(b"log")
    assert not link.exists() and not link.is_symlink()
    assert first_db.with_name("warehouse.duckdb.wal").read_bytes() == b"log"

    env = duckdb_env(second_db)
    with reused_parse(ARGS, env, tmp_path, second_db, tmp_path / "b" / "target"):
        assert Path(env["DBT_DUCKDB_PATH"]) == link
        assert (tmp_path / "b" / "target" / PARTIAL_PARSE).read_bytes() == b"the first run's parse"


def test_other_vars_do_not_get_the_parse(cache: Path, tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    with reused_parse(ARGS, duckdb_env(db), tmp_path, db, tmp_path / "t1"):
        (tmp_path / "t1" / PARTIAL_PARSE).write_bytes(b"parse")
    with reused_parse(["build"], duckdb_env(db), tmp_path, db, tmp_path / "t2"):
        assert not (tmp_path / "t2" / PARTIAL_PARSE).exists()


def test_a_second_run_of_the_same_file_name_at_once_goes_without(
    cache: Path, tmp_path: Path
) -> None:
    first_db, second_db = tmp_path / "a.duckdb", tmp_path / "b" / "a.duckdb"
    first_env, second_env = duckdb_env(first_db), duckdb_env(second_db)
    with reused_parse(ARGS, first_env, tmp_path, first_db, tmp_path / "t1"):
        with reused_parse(ARGS, second_env, tmp_path, second_db, tmp_path / "t2"):
            assert second_env["DBT_DUCKDB_PATH"] == str(second_db)
        assert Path(first_env["DBT_DUCKDB_PATH"]).resolve() == first_db.resolve()


def test_a_file_with_a_log_of_its_own_is_opened_where_it_is(cache: Path, tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    db.with_name("warehouse.duckdb.wal").write_bytes(b"writes DuckDB must replay")
    env = duckdb_env(db)
    with reused_parse(ARGS, env, tmp_path, db, tmp_path / "target"):
        assert env["DBT_DUCKDB_PATH"] == str(db)


def test_without_the_folder_or_on_another_engine_dbt_runs_as_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "warehouse.duckdb"
    monkeypatch.delenv(PARSE_CACHE, raising=False)
    env = duckdb_env(db)
    with reused_parse(ARGS, env, tmp_path, db, tmp_path / "target"):
        assert env["DBT_DUCKDB_PATH"] == str(db)
    monkeypatch.setenv(PARSE_CACHE, str(tmp_path))
    env = {"DBT_TARGET": "postgres", "DBT_DUCKDB_PATH": str(db)}
    with reused_parse(ARGS, env, tmp_path, db, tmp_path / "target"):
        assert env["DBT_DUCKDB_PATH"] == str(db)
