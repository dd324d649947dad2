"""Several dbt commands in one Python process, through dbt's programmatic runner: each command
still parses the project as its vars require, but the interpreter and dbt's imports are paid
once (about half of a small command's time). `python -m python_checks.dbt_batch <results.json>`
reads a JSON list of argument lists on stdin and writes a JSON list of {"returncode",
"output"} to the file (dbt prints its own log to stdout)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dbt.cli.main import dbtRunner


def collector(messages: list[str]) -> Callable[[Any], None]:
    """A dbt event callback that keeps each event's message."""

    def collect(event: Any) -> None:
        messages.append(event.info.msg)

    return collect


def run(commands: list[list[str]]) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    for args in commands:
        messages: list[str] = []
        outcome = dbtRunner(callbacks=[collector(messages)]).invoke(args)
        if outcome.exception is not None:
            messages.append(str(outcome.exception))
        results.append({"returncode": 0 if outcome.success else 1, "output": "\n".join(messages)})
    return results


def main() -> None:
    Path(sys.argv[1]).write_text(json.dumps(run(json.load(sys.stdin))))


if __name__ == "__main__":
    main()
