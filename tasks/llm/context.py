"""TEMPORARY STUB (replaced by the helper's module)."""

from __future__ import annotations

import re
from collections.abc import Collection

from pydantic import BaseModel

OMITTED_MARKER = "globallm:"


class ContextCut(BaseModel):
    path: str
    original_chars: int
    sent_chars: int
    kept: list[str]
    skeletonised: int
    method: str


def wanted_names(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z_][A-Za-z0-9_]{2,}", text))


def minimal_context(
    path: str, source: str, wanted: Collection[str], max_chars: int
) -> tuple[str, ContextCut | None]:
    if len(source) <= max_chars:
        return source, None
    note = f"# {OMITTED_MARKER} rest omitted\n"
    text = source[: max_chars - len(note)] + note
    return text, ContextCut(
        path=path,
        original_chars=len(source),
        sent_chars=len(text),
        kept=[],
        skeletonised=0,
        method="head",
    )
