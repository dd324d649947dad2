"""Large runs: the companies are cut into fixed blocks, generated in parallel, then joined.

A run with more than BLOCK_COMPANIES companies (about 5,800 paying customers) is cut
into blocks of BLOCK_COMPANIES consecutive companies. Block k has its own random streams
(seeded ``"<seed>:block:<k>"`` and ``"<seed>:format:block:<k>"``), numbers its ids from
``k * ID_STRIDE + 1`` and places its own forced scenarios, so it depends on nothing but
the arguments: blocks can run in any order on any number of processes (``--workers``),
and the output is the same bytes (CSV) / the same rows in the same order (Parquet).

Each block writes part files (headerless CSV, or Arrow IPC for Parquet) under
``<out>/.parts/``; the parent appends them to the final files in block order as soon as
they are done, between the catalogues written before the story (owners, prices, FX) and
the rows written after it (broken rows, expenses), and deletes them. Memory stays
bounded: a block keeps a few thousand rows per table at a time; joining streams.

A run of at most BLOCK_COMPANIES companies is one block using the run's own streams: the
demo data (800 customers, 3,441 companies) is generated exactly as it always was.
"""

from __future__ import annotations

import multiprocessing
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from generator.billing import BillingEngine
from generator.common import (
    TABLE_COLUMNS,
    FastRandom,
    IdSequence,
    RawFormatter,
    Sink,
    parquet_writer,
)
from generator.story import MonthBookings, Story
from generator.world import ID_STRIDE, Config, build_world, check_id_counts

BLOCK_COMPANIES = 25_000
PARQUET_ROW_GROUP = 100_000


def plan_blocks(total: int, size: int = BLOCK_COMPANIES) -> list[tuple[int, int]]:
    """[first, stop) company indexes of each block."""
    return [(first, min(first + size, total)) for first in range(0, total, size)]


@dataclass(frozen=True)
class BlockTask:
    config: Config
    index: int
    first: int
    stop: int
    total: int
    parts: Path
    part_format: str  # csv or arrow


@dataclass
class BlockResult:
    index: int
    counts: dict[str, int]
    counters: dict[str, int]
    examples: dict[str, str]
    samples: dict[str, str]
    bookings: dict[date, MonthBookings]
    lead_companies: list[str] = field(default_factory=list)


def block_dir(parts: Path, index: int) -> Path:
    return parts / f"block_{index:05d}"


def run_block(task: BlockTask) -> BlockResult:
    """Generates one block's part files (in a worker process, or in-process)."""
    config = task.config
    world = build_world(config)  # same owners, prices and FX rates in every block
    seed = config.seed
    rng = FastRandom(f"{seed}:block:{task.index}")
    fmt = RawFormatter(FastRandom(f"{seed}:format:block:{task.index}"))
    sink = Sink(block_dir(task.parts, task.index), task.part_format, header=False)
    ids = IdSequence(base=task.index * ID_STRIDE)
    share = (task.stop - task.first) / task.total
    target = max(1, round(config.customers * share))  # places this block's forced scenarios
    billing = BillingEngine(rng, fmt, sink, ids, world.catalogue, config.now)
    story = Story(
        rng,
        fmt,
        sink,
        ids,
        world.catalogue,
        world.owners,
        world.fx,
        billing,
        config.start_at,
        config.now,
        target,
    )
    story.run(first=task.first, stop=task.stop, total=task.total)
    counts = sink.close()
    check_id_counts(ids.counters, f"block {task.index}")
    return BlockResult(
        task.index,
        counts,
        dict(ids.counters),
        dict(story.examples),
        dict(billing.samples),
        story.bookings,
        list(story.lead_companies),
    )


def run_blocks(tasks: list[BlockTask], workers: int) -> Iterator[BlockResult]:
    """Results in block order, each as soon as it and every block before it are done."""
    if workers <= 1 or len(tasks) == 1:
        for task in tasks:
            yield run_block(task)
        return
    # spawn, not fork: the parent may hold pyarrow's threads
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        yield from pool.map(run_block, tasks)


class Joiner:
    """The final files of a parallel run, to which part files are appended in order."""

    def __init__(self, out: Path, file_format: str) -> None:
        self.out = out
        self.file_format = file_format
        self._csv: dict[str, Any] = {}
        self._parquet: dict[str, Any] = {}
        self._pending: dict[str, list[Any]] = {}
        for table, columns in TABLE_COLUMNS.items():
            path = out / f"{table}.{file_format}"
            path.parent.mkdir(parents=True, exist_ok=True)
            if file_format == "csv":
                handle = path.open("wb")
                handle.write((",".join(columns) + "\n").encode())
                self._csv[table] = handle
            else:
                import pyarrow as pa

                schema = pa.schema([(column, pa.string()) for column in columns])
                self._parquet[table] = parquet_writer(path, schema)
                self._pending[table] = []

    @property
    def part_format(self) -> str:
        return "csv" if self.file_format == "csv" else "arrow"

    def append(self, folder: Path) -> None:
        """Appends the part files in ``folder`` (one per table), then deletes them."""
        for table in TABLE_COLUMNS:
            part = folder / f"{table}.{self.part_format}"
            if self.file_format == "csv":
                with part.open("rb") as source:
                    shutil.copyfileobj(source, self._csv[table], 1 << 20)
            else:
                self._append_arrow(table, part)
        shutil.rmtree(folder)

    def _append_arrow(self, table: str, part: Path) -> None:
        import pyarrow as pa

        with pa.OSFile(str(part), "rb") as source:  # read into memory: the part is deleted next
            rows = pa.ipc.open_file(source).read_all()
        pending = self._pending[table]
        if rows.num_rows:
            pending.append(rows)
        if sum(chunk.num_rows for chunk in pending) >= PARQUET_ROW_GROUP:
            self._write_pending(table)

    def _write_pending(self, table: str) -> None:
        import pyarrow as pa

        pending = self._pending[table]
        if pending:
            self._parquet[table].write_table(pa.concat_tables(pending))
            pending.clear()

    def close(self) -> None:
        for handle in self._csv.values():
            handle.close()
        for table, writer in self._parquet.items():
            self._write_pending(table)
            writer.close()


def generate_blocks(
    config: Config,
    blocks: list[tuple[int, int]],
    total: int,
    workers: int,
    progress: Callable[[int], None] | None,
    write_head: Callable[[Sink], None],
    write_tail: Callable[[Sink, list[BlockResult]], None],
) -> dict[str, int]:
    """Runs the blocks and joins head part, block parts and tail part into the final files."""
    parts = config.out / ".parts"
    shutil.rmtree(parts, ignore_errors=True)
    joiner = Joiner(config.out, config.file_format)
    try:
        head = Sink(parts / "head", joiner.part_format, header=False)
        write_head(head)
        counts = head.close()
        joiner.append(parts / "head")
        tasks = [
            BlockTask(config, index, first, stop, total, parts, joiner.part_format)
            for index, (first, stop) in enumerate(blocks)
        ]
        results: list[BlockResult] = []
        for result in run_blocks(tasks, workers):
            joiner.append(block_dir(parts, result.index))
            results.append(result)
            for table, count in result.counts.items():
                counts[table] += count
            if progress is not None:
                first, stop = blocks[result.index]
                progress(stop - first)
        tail = Sink(parts / "tail", joiner.part_format, header=False)
        write_tail(tail, results)
        for table, count in tail.close().items():
            counts[table] += count
        joiner.append(parts / "tail")
    finally:
        joiner.close()
        shutil.rmtree(parts, ignore_errors=True)
    return counts
