"""Formatting a change the way its project would: `ruff format` only when the project declares
a formatter (fixers/formatting.py), with the project's settings, and only over the lines the
recipe changed; otherwise the recipe's output is committed as it is."""

from __future__ import annotations

import subprocess
from pathlib import Path

from ruff.__main__ import find_ruff_bin

from fixers.formatting import Formatter, changed_ranges, declared_formatter

CONFIG_FILES = ("pyproject.toml", "ruff.toml", ".ruff.toml", ".pre-commit-config.yaml")
PYTHON_SUFFIXES = (".py", ".pyi")


def project_formatter(root: Path) -> Formatter | None:
    """The formatter the repository at `root` declares, or None."""
    texts = {}
    for name in CONFIG_FILES:
        path = root / name
        texts[name] = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else None
    ruff_toml = texts["ruff.toml"] or texts[".ruff.toml"]
    return declared_formatter(texts["pyproject.toml"], ruff_toml, texts[".pre-commit-config.yaml"])


def format_changed_lines(worktree: Path, originals: dict[str, str]) -> Formatter | None:
    """Format the lines each touched Python file (path -> its text before the recipe) gained,
    when the project declares a formatter; the formatter used, or None when none ran."""
    formatter = project_formatter(worktree)
    if formatter is None:
        return None
    ruff = find_ruff_bin()
    for rel, before in originals.items():
        if not rel.endswith(PYTHON_SUFFIXES):
            continue
        after = (worktree / rel).read_text(encoding="utf-8")
        for start, end in changed_ranges(before, after):  # last first: earlier lines stay put
            subprocess.run(
                [ruff, "format", "--quiet", f"--range={start}:1-{end + 1}:1",
                 *formatter.ruff_options(), "--", rel],
                cwd=worktree,
                capture_output=True,
                check=False,  # a range ruff cannot format stays as the recipe wrote it
            )  # fmt: skip
    return formatter
