"""Compare the marts another engine built with the DuckDB build of the same raw data, row by row.

Shared by the opt-in engine checks (test_postgres.py, test_spark.py): the marts and their keys
come from the other build's manifest (each mart's unique tests), rows are matched by key, and
every value must agree: money (decimal on both sides) to the cent, floats within 1e-9 (relative
above 1), text, dates and the rest exactly.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

RATE_TOLERANCE = 1e-9

Row = dict[str, Any]


def mart_keys(manifest: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    """Every mart of a build and its key, from its unique tests in the manifest."""
    marts = {
        node["unique_id"]: node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["schema"] == "marts"
    }
    keys: dict[str, tuple[str, ...]] = {}
    for node in manifest["nodes"].values():
        metadata = node.get("test_metadata") or {}
        model = marts.get(node.get("attached_node") or "")
        if model is None:
            continue
        if metadata.get("name") == "unique_combination_of_columns":
            keys[model] = tuple(metadata["kwargs"]["combination_of_columns"])
        elif metadata.get("name") == "unique" and model not in keys:
            keys[model] = (metadata["kwargs"]["column_name"],)
    unkeyed = set(marts.values()) - set(keys)
    assert not unkeyed, f"marts without a unique test: {unkeyed}"
    return keys


def values_equal(left: Any, right: Any) -> bool:
    """Money (decimal on both sides) to the cent, floats within 1e-9 (relative above 1), the rest
    exactly."""
    if left is None or right is None:
        return left is None and right is None
    if isinstance(left, Decimal) and isinstance(right, Decimal):
        return round(left, 2) == round(right, 2)
    if isinstance(left, (float, Decimal)) or isinstance(right, (float, Decimal)):
        return math.isclose(
            float(left), float(right), rel_tol=RATE_TOLERANCE, abs_tol=RATE_TOLERANCE
        )
    if isinstance(left, datetime) and isinstance(right, datetime):
        return left.replace(tzinfo=None) == right.replace(tzinfo=None)
    return bool(left == right)


def mart_differences(
    duck_rows: list[Row], other_rows: list[Row], mart: str, key: tuple[str, ...], engine: str
) -> list[str]:
    """Rows only on one side, and every value that disagrees, as readable lines."""
    duck = {tuple(row[k] for k in key): row for row in duck_rows}
    other = {tuple(row[k] for k in key): row for row in other_rows}
    assert len(duck) == len(duck_rows), f"{mart}: key {key} not unique on DuckDB"
    assert len(other) == len(other_rows), f"{mart}: key {key} not unique on {engine}"
    differences = [f"{mart} {k}: only on DuckDB" for k in sorted(set(duck) - set(other), key=str)]
    differences += [
        f"{mart} {k}: only on {engine}" for k in sorted(set(other) - set(duck), key=str)
    ]
    for row_key in sorted(set(duck) & set(other), key=str):
        for column, value in duck[row_key].items():
            theirs = other[row_key][column]
            if not values_equal(value, theirs):
                differences.append(
                    f"{mart} {row_key} {column}: DuckDB {value!r}, {engine} {theirs!r}"
                )
    return differences


def duckdb_mart(warehouse: Path, mart: str) -> tuple[list[str], list[Row]]:
    """The column names and rows of `marts.<mart>` in a DuckDB file, opened read-only."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        cursor = connection.execute(f'select * from marts."{mart}"')
        columns = [description[0] for description in cursor.description]
        return columns, [dict(zip(columns, row)) for row in cursor.fetchall()]


def warehouse_mart_differences(left: Path, right: Path, label: str) -> list[str]:
    """Every difference between the marts of two DuckDB builds, the marts and keys read from the
    manifest in `target/` beside the right-hand warehouse file."""
    manifest = json.loads((right.parent / "target" / "manifest.json").read_text())
    differences: list[str] = []
    for mart, key in sorted(mart_keys(manifest).items()):
        left_rows = duckdb_mart(left, mart)[1]
        right_rows = duckdb_mart(right, mart)[1]
        differences += mart_differences(left_rows, right_rows, mart, key, label)
    return differences
