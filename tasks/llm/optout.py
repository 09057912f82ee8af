"""Which files a repository's owners keep away from LLMs: never sent, not even as context.

Three ways to opt out, checked before a file's text is read into any prompt:
- a `NO_LLM` marker in a comment within the file's first 10 lines (`# NO_LLM`,
  `// NO_LLM`, `<!-- NO_LLM -->`, also `/* NO_LLM */` and `-- NO_LLM`);
- a glob of the configuration (`llm.exclude`; the defaults cover `.env*`, `*.pem`, `id_rsa*`,
  `secrets.*`), matched against the repository-relative path and against the file's name;
- a `.globallm-no-llm` file in the file's directory or any directory above it (up to the
  repository root), which excludes that whole tree.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath

DEFAULT_EXCLUDE = (".env*", "*.pem", "*.key", "id_rsa*", "id_ed25519*", "secrets.*")
TREE_MARKER_FILE = ".globallm-no-llm"
MARKER_LINES = 10
_MARKER = re.compile(r"(?:#|//|/\*|<!--|--|;)\s*NO_LLM\b")


class OptedOut(Exception):
    """The file must not reach an LLM; the message says which rule keeps it out."""


def marked_no_llm(text: str) -> bool:
    """Whether one of the first 10 lines carries a `NO_LLM` comment marker."""
    head = text.split("\n", MARKER_LINES)[:MARKER_LINES]
    return any(_MARKER.search(line) for line in head)


def excluding_glob(rel: str, globs: Sequence[str]) -> str | None:
    """The first glob that matches the path or the file's name (case-sensitive), or None."""
    path = PurePosixPath(rel)
    for glob in globs:
        if fnmatchcase(path.as_posix(), glob) or fnmatchcase(path.name, glob):
            return glob
    return None


def excluding_tree(repo_root: Path, rel: str) -> str | None:
    """The directory (relative, "." for the root) whose `.globallm-no-llm` covers `rel`."""
    parent = PurePosixPath(rel).parent
    for directory in (parent, *parent.parents):
        if (repo_root / directory / TREE_MARKER_FILE).is_file():
            return directory.as_posix()
    return None


def check_path(repo_root: Path, rel: str, globs: Sequence[str]) -> None:
    """Raise OptedOut when the configuration or a marker file excludes `rel` by its path."""
    glob = excluding_glob(rel, globs)
    if glob is not None:
        raise OptedOut(f"excluded from LLM requests by the llm.exclude glob {glob!r}")
    tree = excluding_tree(repo_root, rel)
    if tree is not None:
        where = f"{tree}/{TREE_MARKER_FILE}" if tree != "." else TREE_MARKER_FILE
        raise OptedOut(f"excluded from LLM requests by {where}")


def check_text(text: str) -> None:
    """Raise OptedOut when the file's head says `NO_LLM`."""
    if marked_no_llm(text):
        raise OptedOut(f"opted out of LLM requests: NO_LLM in its first {MARKER_LINES} lines")
