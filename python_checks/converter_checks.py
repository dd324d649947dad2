"""What every connector converter (generator/fivetran_<shape>.py) must do, checked the same way
for each shape by its test module: deterministic bytes, the same output whether the contract
files are kept or not, the committed demo reproduced, and Parquet holding the CSV's rows."""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class Shape:
    """A converter's output folder (`stripe`, `hubspot`, ...), its tables and its `main`."""

    folder: str
    tables: Sequence[str]
    main: Callable[[list[str] | None], int]

    def files(self, root: Path, suffix: str = "csv") -> list[Path]:
        return [root / self.folder / f"{table}.{suffix}" for table in self.tables]


def assert_same_bytes(shape: Shape, left: Path, right: Path) -> None:
    for first, second in zip(shape.files(left), shape.files(right), strict=True):
        assert first.read_bytes() == second.read_bytes(), first.name
        assert b"\r\n" not in first.read_bytes(), first.name


def assert_reproduces_the_demo(shape: Shape, demo: Path, out: Path) -> None:
    """The converter run alone on the committed contract files writes the committed shape."""
    if not shape.files(demo)[0].exists():
        pytest.skip(f"data/demo/{shape.folder} not generated")
    assert shape.main(["--contract-dir", str(demo), "--out", str(out), "--quiet"]) == 0
    for made, committed in zip(shape.files(out), shape.files(demo), strict=True):
        assert made.read_bytes() == committed.read_bytes(), f"{made.name} differs from data/demo"


def assert_parquet_holds_the_csv(shape: Shape, converted: Path, out: Path) -> None:
    """Converted again as Parquet, every column is text and every table holds the CSV's rows."""
    pq = pytest.importorskip("pyarrow.parquet")
    args = ["--contract-dir", str(converted), "--out", str(out), "--quiet"]
    assert shape.main([*args, "--format", "parquet"]) == 0
    for table in shape.tables:
        parquet = pq.read_table(out / shape.folder / f"{table}.parquet")
        assert all(str(field.type) == "string" for field in parquet.schema), table
        rows = [tuple(row.values()) for row in parquet.to_pylist()]
        with (converted / shape.folder / f"{table}.csv").open(newline="") as handle:
            expected = [tuple(v or None for v in row) for row in list(csv.reader(handle))[1:]]
        assert rows == expected, table
