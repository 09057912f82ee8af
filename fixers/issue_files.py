"""Which files a fix for an issue may edit: the triage's scope mapped onto the repository's
tree, then the files the issue's text names. Pure: names in, paths out.

A scope entry is a path ("src/pkg/io.py", matched by its end so "pkg/io.py" finds it too) or
a dotted name ("pkg.io.read_csv": the longest prefix that is a module, `pkg/io.py` or
`pkg/io/__init__.py`, at the root or under `src/`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePosixPath

from fixers.llm_patch import mentioned_files

MAX_FILES = 5  # one prompt per file: a fix wider than this is not one an issue asks for


def files_for_issue(
    scope: Sequence[str], title: str, body: str, listed: Sequence[str], limit: int = MAX_FILES
) -> list[str]:
    """Up to `limit` repository files, scope first, without repeats."""
    tree = set(listed)
    found: list[str] = []
    for entry in scope:
        found += _scope_paths(entry.strip(), listed, tree)
    found += mentioned_files(f"{title}\n{body}", listed)
    return list(dict.fromkeys(found))[:limit]


def _scope_paths(entry: str, listed: Sequence[str], tree: set[str]) -> list[str]:
    if not entry:
        return []
    if "/" in entry or PurePosixPath(entry).suffix in {".py", ".md", ".toml", ".cfg", ".txt"}:
        clean = entry.lstrip("./")
        if clean in tree:
            return [clean]
        ends = [p for p in listed if p.endswith("/" + clean)]
        return ends if len(ends) == 1 else []
    parts = entry.split(".")
    for size in range(len(parts), 0, -1):
        module = "/".join(parts[:size])
        for root in ("", "src/"):
            for candidate in (f"{root}{module}.py", f"{root}{module}/__init__.py"):
                if candidate in tree:
                    return [candidate]
    return []
