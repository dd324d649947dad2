"""Each generic test of tests/generic passes on a good fixture and fails on a bad one. The tests
run in a throw-away dbt project that uses the project's generic tests as they are."""

from __future__ import annotations

import json

import pytest

from python_checks.dbt_runner import REPO, run_dbt

MODELS = {
    "good_rows": "select 1 as id, 'a' as kind, 10 as amount union all "
    "select 2, 'a', 20 union all select 3, 'b', 30",
    "bad_rows": "select 1 as id, 'a' as kind, 10 as amount union all "
    "select 1, 'a', -5 union all select 3, 'b', 300",
    "same_size": "select 1 as id union all select 2 union all select 3",
    "empty_rows": "select 1 as id where false",
    "raw_rows": "select 1 as id union all select 2 union all select 2 union all select 3",
    "staged_rows": "select 1 as id union all select 2",
    # Raw: four rows read, plus one ragged line the CSV reader rejected (raw_line 7), which the
    # base model records as quarantined: 5 = 2 staged + 2 quarantined + 1 duplicate.
    "base_rows": "select 2 as id, 'duplicate' as row_status, null as raw_line union all "
    "select 3, 'quarantined', null union all select null, 'quarantined', 7",
    "quarantine_rows": "select 'rows' as source_table, 3 as id union all select 'rows', null",
    "quarantine_short": "select 'rows' as source_table, 3 as id where false",
    "fated_rows": "select 1 as raw_row_number, 'staged' as row_status, null as quarantine_reason"
    " union all select 2, 'quarantined', 'null key' union all select 3, 'deleted', null",
    "misfated_rows": "select 1 as raw_row_number, 'staged' as row_status, 'null key' as"
    " quarantine_reason union all select 1, 'lost', null union all select null, 'staged', null",
}
PROPERTIES = """
version: 2
models:
  - name: good_rows
    data_tests:
      - unique_combination_of_columns:
          arguments: {combination_of_columns: [id, kind]}
          config: {alias: good_unique_combination_of_columns}
      - expression_is_true:
          arguments: {expression: "amount > 0"}
          config: {alias: good_expression_is_true}
      - equal_row_count:
          arguments: {compare_model: ref('same_size')}
          config: {alias: good_equal_row_count}
      - row_rules_hold:
          arguments:
            not_null: [id, kind, amount]
            accepted_values: {kind: [a, b], id: [1, 2, 3]}
            rules: {amount_is_positive: "amount > 0", kind_is_known: "kind in ('a', 'b')"}
          config: {alias: good_row_rules_hold}
  - name: bad_rows
    data_tests:
      - unique_combination_of_columns:
          arguments: {combination_of_columns: [id, kind]}
          config: {alias: bad_unique_combination_of_columns}
      - expression_is_true:
          arguments: {expression: "amount > 0"}
          config: {alias: bad_expression_is_true}
      - equal_row_count:
          arguments: {compare_model: ref('staged_rows')}
          config: {alias: bad_equal_row_count}
      # Only the second rule breaks (on one row): a failing rule is found whichever it is.
      - row_rules_hold:
          arguments:
            rules: {kind_is_known: "kind in ('a', 'b')", amount_is_positive: "amount > 0"}
          config: {alias: bad_row_rules_hold}
      - row_rules_hold:
          arguments: {accepted_values: {kind: [a]}}
          config: {alias: bad_row_rules_hold__accepted_values}
  - name: empty_rows
    data_tests:
      - has_no_rows:
          config: {alias: good_has_no_rows}
  - name: fated_rows
    data_tests:
      - row_fates_are_sound:
          config: {alias: good_row_fates_are_sound}
  - name: misfated_rows
    data_tests:
      - row_fates_are_sound:
          config: {alias: bad_row_fates_are_sound}
  - name: quarantine_rows
    data_tests:
      - row_rules_hold:
          arguments: {not_null: [source_table, id]}
          config: {alias: bad_row_rules_hold__not_null}
      # A null is accepted, as by dbt's accepted_values.
      - row_rules_hold:
          arguments: {accepted_values: {id: [3]}}
          config: {alias: good_row_rules_hold__null_is_accepted}
  - name: same_size
    data_tests:
      - has_no_rows:
          config: {alias: bad_has_no_rows}
  - name: staged_rows
    data_tests:
      - raw_rows_reconcile:
          arguments:
            raw_relation: ref('raw_rows')
            base_model: ref('base_rows')
            quarantine_model: ref('quarantine_rows')
            source_table: rows
          config: {alias: good_raw_rows_reconcile}
      - raw_rows_reconcile:
          arguments:
            raw_relation: ref('raw_rows')
            base_model: ref('base_rows')
            quarantine_model: ref('quarantine_short')
            source_table: rows
          config: {alias: bad_raw_rows_reconcile}
"""
GENERIC_TESTS = sorted(path.stem for path in (REPO / "tests" / "generic").glob("*.sql"))
# The project's macros the generic tests call, linked into the fixture beside them.
GENERIC_TEST_MACROS = ("row_rules.sql",)


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    project = tmp_path_factory.mktemp("generic_tests_project")
    (project / "models").mkdir()
    (project / "tests").mkdir()
    (project / "tests" / "generic").symlink_to(REPO / "tests" / "generic")
    (project / "macros").mkdir()
    for macro_file in GENERIC_TEST_MACROS:
        (project / "macros" / macro_file).symlink_to(REPO / "macros" / macro_file)
    (project / "dbt_project.yml").write_text(
        "name: generic_tests_fixture\nversion: '1.0'\nconfig-version: 2\n"
        "profile: revops_warehouse\nmodels:\n  +materialized: table\n"
    )
    for name, sql in MODELS.items():
        (project / "models" / f"{name}.sql").write_text(sql + "\n")
    (project / "models" / "properties.yml").write_text(PROPERTIES)
    run = run_dbt(["build"], project / "fixture.duckdb", project / "target", project_dir=project)
    run_results = json.loads((project / "target" / "run_results.json").read_text())
    manifest = json.loads((project / "target" / "manifest.json").read_text())
    # Each fixture test is named by its alias: `<good|bad>_<generic test>[__<case>]`.
    statuses = {
        manifest["nodes"][result["unique_id"]]["alias"]: result["status"]
        for result in run_results["results"]
        if result["unique_id"].startswith("test.")
    }
    assert statuses, run.output[-3000:]
    return statuses


@pytest.mark.parametrize("test_name", GENERIC_TESTS)
def test_generic_test_passes_on_good_rows_and_fails_on_bad(
    results: dict[str, str], test_name: str
) -> None:
    good = {n: s for n, s in results.items() if n.split("__")[0] == f"good_{test_name}"}
    bad = {n: s for n, s in results.items() if n.split("__")[0] == f"bad_{test_name}"}
    assert good and bad, f"{test_name} has no good/bad fixture: {sorted(results)}"
    assert set(good.values()) == {"pass"}, good
    assert set(bad.values()) == {"fail"}, bad
