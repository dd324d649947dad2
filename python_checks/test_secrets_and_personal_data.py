"""No credential in the repository or in compiled artifacts; e-mails and names never leave
staging; every var that reaches SQL is validated, so a malicious value is a clear compile error
and never an injected statement."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import duckdb
import pytest

from python_checks.dbt_runner import REPO, DbtRun, run_dbt_batch

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# Shapes of committed secrets: a password or key given a literal value, private keys, tokens.
SECRET_PATTERNS = [
    re.compile(
        r"(?i)(password|passwd|secret|token|private_key|api_key)\s*[:=]\s*['\"]?(?!\{\{)[^\s'\"{}]{6,}"
    ),
    re.compile(r"-----BEGIN (RSA |EC |OPENSSH )?PRIVATE KEY-----"),
    re.compile(r"AKIA[0-9A-Z]{16}"),
]
TEXT_SUFFIXES = {
    ".py",
    ".sql",
    ".yml",
    ".yaml",
    ".md",
    ".txt",
    ".cfg",
    ".toml",
    ".json",
    ".ini",
    "",
}


def tracked_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    return [REPO / name for name in listed if (REPO / name).suffix in TEXT_SUFFIXES]


def secret_hits(paths: list[Path]) -> list[str]:
    hits = []
    for path in paths:
        if not path.is_file() or path.stat().st_size > 2_000_000:
            continue
        text = path.read_text(errors="ignore")
        hits += [f"{path}: {m.group(0)[:60]}" for p in SECRET_PATTERNS for m in p.finditer(text)]
    return hits


def test_no_credential_is_committed() -> None:
    assert secret_hits(tracked_files()) == []


def test_no_credential_in_compiled_artifacts(demo_build: DbtRun) -> None:
    artifacts = [
        path
        for path in demo_build.target_path.rglob("*")
        if path.suffix in {".sql", ".json"} and path.name != "static_index.html"
    ]
    assert artifacts
    assert secret_hits(artifacts) == []


def test_the_secret_scan_catches_a_planted_password(tmp_path: Path) -> None:
    planted = tmp_path / "profiles.yml"
    # Assembled at run time, so this file itself holds no secret-shaped literal.
    planted.write_text("pass" + "word: " + "hunter2" + "secret\n")
    assert secret_hits([planted])


def test_no_email_address_in_any_mart_or_intermediate_value(demo_warehouse: Path) -> None:
    with duckdb.connect(str(demo_warehouse), read_only=True) as connection:
        columns = connection.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where table_schema in ('marts', 'intermediate', 'semantic') "
            "and data_type = 'VARCHAR'"
        ).fetchall()
        leaks = []
        for schema, table, column in columns:
            found = connection.execute(
                f'select count(*) from {schema}."{table}" where regexp_matches("{column}", ?)',
                [EMAIL.pattern],
            ).fetchone()[0]
            if found:
                leaks.append(f"{schema}.{table}.{column}: {found}")
        # The scan itself works: staging does hold e-mails.
        staged = connection.execute(
            "select count(*) from staging.stg_crm__contacts where regexp_matches(email, ?)",
            [EMAIL.pattern],
        ).fetchone()[0]
    assert columns and staged > 0
    assert leaks == []


# Each malicious var value and the message its error must give.
MALICIOUS_VARS = [
    ('{as_of_date: "2024-01-01\'; drop table marts.kpi_mrr; --"}', "as_of_date must be a date"),
    ("{as_of_date: '2024-13-45'}", "does not match format"),
    ('{reporting_currency: "USD\' or 1=1 --"}', "reporting_currency must be an ISO 4217 code"),
    ('{mrr_invoice_statuses: ["paid\') or (1=1"]}', "must list plain words"),
    ("{gross_margin: '0.8; drop table x'}", "gross_margin must be a number"),
    (
        "{incremental_lookback_months: '3; drop table x'}",
        "incremental_lookback_months must be a whole number",
    ),
    (
        "{incremental_lookback_months: 1.5}",
        "incremental_lookback_months must be a whole number",
    ),
    (
        "{incremental_lookback_months: 121}",
        "incremental_lookback_months must be between 0 and 120",
    ),
    ("{crm_source: salesforce}", "var crm_source must be one of"),
    (
        "{crm_source: fivetran_salesforce,"
        " salesforce_stage_date_columns: {mql: 'x; drop table y'}}",
        "mql must name a column",
    ),
    (
        "{crm_source: fivetran_salesforce, salesforce_stage_date_columns: {won: won_date_c}}",
        "the funnel stages are lead, mql, sql, opportunity, customer",
    ),
    (
        "{crm_source: fivetran_salesforce, salesforce_lead_account_column: 'a; drop table y'}",
        "salesforce_lead_account_column must name a column",
    ),
    (
        '{crm_source: fivetran_salesforce, salesforce_default_currency: "USD\' or 1=1"}',
        "salesforce_default_currency must be an ISO 4217 code",
    ),
]
# Valid values of the same vars.
VALID_VARS = (
    "{as_of_date: '2024-06-30', reporting_currency: EUR, gross_margin: 0.7,"
    " incremental_lookback_months: 2, crm_source: fivetran_salesforce,"
    " salesforce_default_currency: USD}"
)
# The models that read those vars.
READERS = (
    "int_reporting_period int_subscription_mrr_pieces kpi_customer_lifetime_value"
    " base_salesforce__contacts base_salesforce__deals"
)


@pytest.fixture(scope="module")
def malicious_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, DbtRun]:
    """`dbt compile` of the readers with each malicious var value, all in one process (each
    parses from nothing: its vars are its own)."""
    root = tmp_path_factory.mktemp("malicious_vars")
    values = [var_value for var_value, _ in MALICIOUS_VARS] + [VALID_VARS]
    commands = [
        (["compile", "--select", READERS, "--vars", var_value], root / f"target_{index}")
        for index, var_value in enumerate(values)
    ]
    runs = run_dbt_batch(commands, root / "scratch.duckdb")
    return dict(zip(values, runs, strict=True))


def test_valid_vars_compile_in_the_same_batch(malicious_runs: dict[str, DbtRun]) -> None:
    """The control: the refusals below are the vars', not the batch's."""
    run = malicious_runs[VALID_VARS]
    assert run.returncode == 0, run.output[-3000:]
    assert list(run.target_path.rglob("int_reporting_period.sql"))


@pytest.mark.parametrize("var_value,message", MALICIOUS_VARS)
def test_a_malicious_var_is_a_clear_error(
    malicious_runs: dict[str, DbtRun], var_value: str, message: str
) -> None:
    run = malicious_runs[var_value]
    assert run.returncode != 0
    assert message in run.output
    compiled = list(run.target_path.rglob("*.sql"))
    assert not any("drop table" in path.read_text().lower() for path in compiled)
