"""The repository stands alone: a user who clones it has everything it refers to.

No tracked file may refer to a file outside the repository (a design note in a sibling
directory, a path climbing out of the clone) or to an absolute path on someone's machine. A
document a file cites by name (``docs/raw_contract.md``, a markdown link) must exist in the
repository. Paths generated at run time (under ``target/``, pytest's temporary directories) are
not references to a machine's files and are not flagged.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import PurePosixPath

from python_checks.dbt_runner import REPO

# Absolute prefixes of a user's or a server's files. Assembled at run time, so that this file
# does not match its own patterns.
MACHINE_PATH = re.compile(
    r"(?<![\w.~-])(?:/(?:"
    + "|".join(["wo" + "rk", "ho" + "me", "ro" + "ot", "Us" + "ers"])
    + r")/[\w.-]+|[A-Za-z]:\\(?:"
    + "Us"
    + r"ers|Documents and Settings)\\)"
)
# A relative path that climbs out of a directory: it must land on a file of the repository.
CLIMBING_PATH = re.compile(r"(?<![\w.-])((?:\.\./)+[\w./-]*[\w-])")
# A markdown document named in any file (a bare name or a path).
MARKDOWN_NAME = re.compile(r"(?<![\w/.:-])((?:[\w.-]+/)*[\w.-]*\w\.md)\b")
# A relative markdown link or image: [text](target).
MARKDOWN_LINK = re.compile(r"!?\[[^\]\n]*\]\(([^)\s]+)\)")
# Documents written at run time, not shipped: the benchmark's report.
GENERATED_DOCUMENTS = {"results.md"}


def tracked_paths() -> list[str]:
    """Every git-tracked file, by its path in the repository."""
    listed = (
        subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True)
        .stdout.decode()
        .split("\0")
    )
    return [name for name in listed if name]


def known_paths(names: list[str]) -> set[str]:
    """The files and the directories holding them."""
    known = set(names)
    for name in names:
        known.update(str(parent) for parent in PurePosixPath(name).parents)
    return known


def tracked_text_files() -> dict[str, str]:
    """Every git-tracked file that is text, by its path in the repository."""
    texts = {}
    for name in tracked_paths():
        path = REPO / name
        if not path.is_file() or path.is_symlink():
            continue
        data = path.read_bytes()
        if b"\0" in data:
            continue
        try:
            texts[name] = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
    return texts


def _inside_repo(base: PurePosixPath, target: str, known: set[str]) -> bool:
    """Whether ``target``, relative to directory ``base`` of the repository, is a tracked file
    or directory of it."""
    parts: list[str] = list(base.parts)
    for part in PurePosixPath(target).parts:
        if part == "..":
            if not parts:
                return False
            parts.pop()
        elif part != ".":
            parts.append(part)
    resolved = "/".join(parts).rstrip("/")
    return resolved in known


def reference_defects(files: dict[str, str], known: set[str] | None = None) -> list[str]:
    """Each reference to something outside the repository, as ``file:line: text``. ``known``
    holds every tracked path and directory (by default, those of ``files``)."""
    if known is None:
        known = known_paths(list(files))
    basenames = {PurePosixPath(name).name for name in known}
    defects = []
    for name, text in files.items():
        base = PurePosixPath(name).parent
        is_markdown = name.endswith(".md")
        for number, line in enumerate(text.splitlines(), start=1):
            where = f"{name}:{number}"
            missing: set[str] = set()
            defects += [f"{where}: machine path {m.group(0)}" for m in MACHINE_PATH.finditer(line)]
            for match in CLIMBING_PATH.finditer(line):
                if not _inside_repo(base, match.group(1), known):
                    defects.append(f"{where}: path outside the repository {match.group(1)}")
            for match in MARKDOWN_NAME.finditer(line):
                document = match.group(1)
                generated = PurePosixPath(document).name in GENERATED_DOCUMENTS
                if document.startswith("target/") or generated:
                    continue
                if "/" in document:
                    found = _inside_repo(PurePosixPath(), document, known) or _inside_repo(
                        base, document, known
                    )
                else:
                    found = document in basenames
                if not found:
                    missing.add(document)
                    defects.append(f"{where}: document not in the repository {document}")
            for match in MARKDOWN_LINK.finditer(line) if is_markdown else ():
                target = match.group(1).split("#")[0]
                if not target or target in missing or re.match(r"^[a-z][a-z0-9+.-]*:", target):
                    continue
                if target.startswith("/") or not _inside_repo(base, target, known):
                    defects.append(f"{where}: link to a file not in the repository {target}")
    return defects


def test_no_tracked_file_refers_outside_the_repository() -> None:
    files = tracked_text_files()
    assert "README.md" in files and "docs/raw_contract.md" in files
    assert reference_defects(files, known_paths(tracked_paths())) == []


def test_the_scan_catches_outside_references() -> None:
    """Each kind of defect is found, and the legitimate shapes next to them are not."""
    # Every planted name is assembled at run time, so that this file passes its own scan.
    md = ".m" + "d"
    sibling = "../" + "notes/kpi_definitions" + md
    planted = {
        "README.md": "\n".join(
            [
                "See `" + sibling + "` for the rules.",
                "Built on /" + "home/alice/revops/warehouse.duckdb.",
                "The layout is in stack_facts" + md + ".",
                "[the contract](docs/missing_contract" + md + ") ![a chart](docs/missing.png)",
                "Read `docs/raw_contract.md` and [the decisions](docs/decisions.md#d1).",
                "Results go to target/bench/results.md; see https://example.com/guide.md.",
            ]
        ),
        "docs/raw_contract.md": "Profiles: `../profiles.example.yml`.",
        "docs/decisions.md": "",
        "profiles.example.yml": "",
    }
    defects = reference_defects(planted)
    assert len(defects) == 6, defects
    assert any("README.md:1: path outside" in d for d in defects)
    assert any("README.md:1: document not in the repository" in d for d in defects)
    assert any("README.md:2: machine path" in d for d in defects)
    assert any("README.md:3: document not in the repository" in d for d in defects)
    assert any("README.md:4: document not in the repository" in d for d in defects)
    assert any(
        "README.md:4: link to a file not in the repository docs/missing.png" in d for d in defects
    )
