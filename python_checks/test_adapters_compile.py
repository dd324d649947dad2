"""The project on Snowflake, BigQuery and Trino, compile-checked without a warehouse (opt-in:
REVOPS_ADAPTERS=1, dbt-snowflake, dbt-bigquery and dbt-trino installed; `make compile-adapters`).

For each adapter, `dbt parse` and `dbt compile` run against that adapter's output of
profiles.example.yml, into a temporary target path (or REVOPS_ADAPTERS_TARGET/<adapter>, kept for
review). `dbt compile` renders every model, analysis, data test and on-run hook to that adapter's
SQL without a connection: `--no-populate-cache` skips the relation cache (its listing queries
are the only ones compile would otherwise send; no model or macro of the project introspects the
warehouse at compile time), and `--no-introspect` makes any introspective query an error instead
of an attempt to connect. The check proves no SQL statement was sent, and every proxy points at a
closed local port so nothing can leave the machine by accident.

What this does not prove: that the SQL runs (nothing here executes it), and unit tests, which
only `dbt test`/`dbt build` compile, with a connection. Beyond Jinja rendering, the SQL is parsed
in the adapter's dialect (sqlglot: catches broken syntax, not every unsupported function) and
searched for the constructs the review found invalid on that adapter.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import time
from pathlib import Path

import pytest

from python_checks.dbt_runner import run_dbt

pytestmark = pytest.mark.skipif(
    os.environ.get("REVOPS_ADAPTERS") != "1",
    reason="compile checks of other warehouses are opt-in: set REVOPS_ADAPTERS=1 "
    "(make compile-adapters installs dbt-snowflake, dbt-bigquery and dbt-trino)",
)

ADAPTERS = ["snowflake", "bigquery", "trino"]
SQLGLOT_DIALECT = {"snowflake": "snowflake", "bigquery": "bigquery", "trino": "trino"}
DEAD_PROXY = "http://127.0.0.1:9"

# Constructs the review found invalid on an adapter, each with why; the dispatched macros in
# macros/adapters/ keep them out of the compiled SQL. Matched case-insensitively.
NOT_ON = {
    "snowflake": {
        r"regexp_full_match|read_csv|read_parquet": "DuckDB-only function",
        r"power\(2, ": "dbt's generate_series (a FLOAT series; the models add it to dates)",
        r"order by \(select null\)": "a subquery as a window order (SQL Server idiom)",
    },
    "bigquery": {
        r"regexp_full_match|read_csv|read_parquet|\btry_cast\(": "not a BigQuery function",
        r"::": "BigQuery has no :: cast",
        r"within group": "BigQuery's percentile_cont is analytic only",
        r"power\(2, ": "dbt's generate_series is FLOAT64; INTERVAL needs an INT64",
        r"coalesce\([^()]*,\s*datetime_add\(": "DATETIME coalesced with a TIMESTAMP",
        r"order by \(select null\)": "a subquery as a window order",
    },
    "trino": {
        r"regexp_full_match|read_csv|read_parquet": "DuckDB-only function",
        r"::": "Trino has no :: cast",
        r"\bqualify\b": "Trino has no QUALIFY",
        r"percentile_cont|\bmedian\(": "Trino has neither (approx_percentile only)",
        r"power\(2, ": "dbt's generate_series is DOUBLE; date_add needs a BIGINT",
        r"order by \(select null\)": "a subquery as a window order",
    },
}


def adapter_installed(adapter: str) -> bool:
    return importlib.util.find_spec(f"dbt.adapters.{adapter}") is not None


@pytest.fixture(scope="module")
def artifacts_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    kept = os.environ.get("REVOPS_ADAPTERS_TARGET")
    return Path(kept) if kept else tmp_path_factory.mktemp("adapters")


def offline_env(workdir: Path, adapter: str) -> dict[str, str]:
    """The adapter's target, defaults from profiles.example.yml, and no way out of the machine."""
    env = {
        "DBT_TARGET": adapter,
        # The check reads the statements dbt logs (below).
        "DBT_LOG_LEVEL_FILE": "debug",
        "HTTP_PROXY": DEAD_PROXY,
        "HTTPS_PROXY": DEAD_PROXY,
        "http_proxy": DEAD_PROXY,
        "https_proxy": DEAD_PROXY,
        "NO_PROXY": "",
        "no_proxy": "",
    }
    if adapter == "bigquery":
        # dbt-bigquery builds its client (no request) when dbt opens its first connection, and
        # that needs credentials: application default credentials of an obviously fake user,
        # written here, never committed. Nothing is ever sent with them.
        credentials = workdir / "fake_adc.json"
        fake = "compile-check-only"
        credentials.write_text(
            json.dumps(
                {
                    "type": "authorized_user",
                    "client_id": fake,
                    "client_secret": fake,
                    "refresh_token": fake,
                }
            )
        )
        env["GOOGLE_APPLICATION_CREDENTIALS"] = str(credentials)
        env["GOOGLE_CLOUD_PROJECT"] = "unset-project"
    return env


@pytest.fixture(scope="module", params=ADAPTERS)
def compiled(request: pytest.FixtureRequest, artifacts_root: Path) -> tuple[str, Path]:
    """`dbt parse` then `dbt compile` for one adapter; returns (adapter, target path)."""
    adapter = request.param
    if not adapter_installed(adapter):
        message = f"dbt-{adapter} is not installed in this environment"
        if os.environ.get("REVOPS_REQUIRE_ADAPTERS"):
            pytest.fail(message)
        pytest.skip(message)
    target = artifacts_root / adapter
    target.mkdir(parents=True, exist_ok=True)
    env = offline_env(target, adapter)
    (target / "logs" / "dbt.log").unlink(missing_ok=True)
    unused_duckdb = target / "unused.duckdb"
    started = time.monotonic()
    parse = run_dbt(["parse"], unused_duckdb, target, extra_env=env)
    assert parse.returncode == 0, parse.output[-5000:]
    compile_run = run_dbt(
        ["compile", "--no-populate-cache", "--no-introspect"], unused_duckdb, target, extra_env=env
    )
    assert compile_run.returncode == 0, compile_run.output[-5000:]
    print(f"{adapter}: dbt parse + compile in {time.monotonic() - started:.1f} s -> {target}")
    return adapter, target


def manifest_nodes(target: Path) -> dict:
    return json.loads((target / "manifest.json").read_text())["nodes"]


def compiled_models(target: Path) -> dict[str, str]:
    return {
        node["unique_id"]: node.get("compiled_code") or ""
        for node in manifest_nodes(target).values()
        if node["resource_type"] == "model"
    }


def test_every_node_compiles(compiled: tuple[str, Path]) -> None:
    adapter, target = compiled
    results = json.loads((target / "run_results.json").read_text())["results"]
    failed = [
        (r["unique_id"], r["status"], r.get("message")) for r in results if r["status"] != "success"
    ]
    assert not failed
    kinds = {r["unique_id"].split(".")[0] for r in results}
    # Models, analyses, data tests, seeds and the on-run-start/end hooks (operations).
    assert {"model", "analysis", "test", "seed", "operation"} <= kinds, (adapter, kinds)


def test_every_model_has_compiled_sql(compiled: tuple[str, Path]) -> None:
    adapter, target = compiled
    models = compiled_models(target)
    assert len(models) >= 50, (adapter, len(models))
    empty = sorted(uid for uid, sql in models.items() if not sql.strip())
    assert not empty, (adapter, empty)
    nodes = manifest_nodes(target)
    for uid in models:
        path = target / "compiled" / "revops_warehouse" / nodes[uid]["original_file_path"]
        assert path.is_file() and path.read_text().strip(), (adapter, path)


def test_no_statement_was_sent(compiled: tuple[str, Path]) -> None:
    adapter, target = compiled
    log = (target / "logs" / "dbt.log").read_text(errors="ignore")
    # dbt logs every statement it sends as "On <connection>: <sql>".
    sent = [
        line
        for line in re.findall(r"\]: On [^:\n]+: .{0,80}", log)
        if not line.rstrip().endswith(": Close")
    ]
    assert not sent, (adapter, sent[:5])


def test_compiled_sql_parses_in_the_adapters_dialect(compiled: tuple[str, Path]) -> None:
    sqlglot = pytest.importorskip("sqlglot")
    adapter, target = compiled
    failures = []
    for uid, sql in compiled_models(target).items():
        try:
            sqlglot.parse(sql, read=SQLGLOT_DIALECT[adapter])
        except sqlglot.errors.ParseError as error:
            failures.append(f"{uid}: {str(error)[:300]}")
    assert not failures, failures


def test_no_construct_invalid_on_the_adapter(compiled: tuple[str, Path]) -> None:
    adapter, target = compiled
    root = target / "compiled" / "revops_warehouse"
    hits = []
    for path in sorted(root.rglob("*.sql")):
        sql = path.read_text()
        for pattern, why in NOT_ON[adapter].items():
            for match in re.finditer(pattern, sql, flags=re.IGNORECASE):
                hits.append(f"{path.relative_to(root)}: {match.group(0)!r} ({why})")
    assert not hits, hits
