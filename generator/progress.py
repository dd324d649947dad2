"""A tiny progress bar on stderr, shown only when stderr is a terminal (no dependency)."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """``update(n)`` as work gets done; ``close()`` at the end. Silent unless enabled."""

    def __init__(
        self,
        total: int,
        label: str,
        *,
        enabled: bool | None = None,
        stream: TextIO | None = None,
        interval: float = 0.25,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.total = max(1, total)
        self.label = label
        self.done = 0
        self.interval = interval
        self._began = time.perf_counter()
        self._shown = 0.0

    def update(self, n: int) -> None:
        self.done += n
        if not self.enabled:
            return
        now = time.perf_counter()
        if now - self._shown >= self.interval or self.done >= self.total:
            self._shown = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        share = min(1.0, self.done / self.total)
        elapsed = now - self._began
        eta = elapsed * (1 - share) / share if share > 0 else 0.0
        bar = "#" * int(share * 30)
        self.stream.write(
            f"\r{self.label} [{bar:<30}] {self.done:,}/{self.total:,} "
            f"{share:4.0%} {elapsed:5.0f} s, {eta:4.0f} s left "
        )
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self._draw(time.perf_counter())
            self.stream.write("\n")
            self.stream.flush()
