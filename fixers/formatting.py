"""Whether, how and where a change may be formatted: only when the project declares a
formatter, with its own settings, and only over the lines the recipe touched. Pure: the
project's configuration texts and the file's two versions in, a decision and line ranges out.

A maintainer merges a change that holds what the fix changed and nothing else; reformatting
whole files in another style (re-quoted strings, re-wrapped calls) is the first thing they
reject, and what trusted update bots avoid.
"""

from __future__ import annotations

import difflib
import tomllib
from typing import Literal

from pydantic import BaseModel

PRE_COMMIT_HOOKS = {"ruff-format": "ruff", "black": "black"}


class Formatter(BaseModel):
    """The formatter a project declares and the settings `ruff format` needs to write like it
    (ruff's own configuration is read by ruff from the project; black's is translated)."""

    kind: Literal["ruff", "black"]
    line_length: int | None = None
    preserve_quotes: bool = False

    def ruff_options(self) -> list[str]:
        """`ruff format` options beyond the project's own ruff configuration."""
        options = []
        if self.kind == "black":
            if self.line_length:
                options += ["--line-length", str(self.line_length)]
            if self.preserve_quotes:
                options += ["--config", "format.quote-style='preserve'"]
        return options


def declared_formatter(
    pyproject: str | None = None, ruff_toml: str | None = None, pre_commit: str | None = None
) -> Formatter | None:
    """The formatter the project's configuration declares, or None (then nothing is
    formatted): ruff's `[format]` section (pyproject `[tool.ruff.format]`, ruff.toml), black's
    `[tool.black]`, or either hook in .pre-commit-config.yaml. Unreadable files declare nothing."""
    tool = _toml(pyproject).get("tool", {})
    if "format" in tool.get("ruff", {}) or "format" in _toml(ruff_toml):
        return Formatter(kind="ruff")
    black = tool.get("black")
    if isinstance(black, dict):
        length = black.get("line-length", black.get("line_length"))
        return Formatter(
            kind="black",
            line_length=length if isinstance(length, int) else None,
            preserve_quotes=bool(
                black.get("skip-string-normalization", black.get("skip_string_normalization"))
            ),
        )
    for hook, kind in PRE_COMMIT_HOOKS.items():
        if pre_commit and f"id: {hook}" in pre_commit:
            return Formatter(kind=kind)  # type: ignore[arg-type]
    return None


def _toml(text: str | None) -> dict:
    if not text:
        return {}
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return {}


def changed_ranges(before: str, after: str) -> list[tuple[int, int]]:
    """The 1-based, inclusive line ranges of `after` that differ from `before`, last first (so
    formatting one range never moves the lines of the ranges still to do)."""
    matcher = difflib.SequenceMatcher(
        None, before.splitlines(keepends=True), after.splitlines(keepends=True), autojunk=False
    )
    ranges = []
    for tag, _, _, j1, j2 in matcher.get_opcodes():
        if tag in {"replace", "insert"} and j2 > j1:
            ranges.append((j1 + 1, j2))
    return sorted(ranges, reverse=True)
