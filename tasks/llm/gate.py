"""The privacy gate: the only way to make a prompt the LLM client will send.

Every request passes it, before the cache and before any budget: `admit` reads a repository
file for a prompt unless its owners opted it out (tasks/llm/optout.py) and shortens it to the
regions that matter when it is large (tasks/llm/context.py); `prepare` renders the prompt
file, redacts every secret in the whole text (tasks/llm/redaction.py) and holds it under
`max_prompt_chars`. `client.complete` accepts nothing but the `GatedPrompt` this returns, and a
`GatedPrompt` cannot be made anywhere else, so no later feature can forget the gate.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel

from prompts import render
from tasks.llm import optout
from tasks.llm.context import OMITTED_MARKER, ContextCut, minimal_context
from tasks.llm.endpoint import LlmPolicy
from tasks.llm.optout import OptedOut
from tasks.llm.redaction import Redaction

__all__ = [
    "GatedPrompt",
    "OptedOut",
    "PromptTooLarge",
    "SourceText",
    "Unreadable",
    "admit",
    "admit_paths",
    "shorten_text",
]

_SEAL = object()
_MIN_TEXT_CHARS = 2_000  # a free-text variable (an issue body) is never cut below this


class Unreadable(Exception):
    """The file cannot be read as UTF-8 text; the message says why."""


class PromptTooLarge(Exception):
    """Even shortened, the prompt stays above `llm.max_prompt_chars`."""


@dataclass(frozen=True)
class SourceText:
    """A repository file as a prompt may carry it: admitted, and shortened when large."""

    path: str
    text: str
    cut: ContextCut | None
    original: str = field(repr=False)
    wanted: frozenset[str] = frozenset()


def admit(repo_root: Path, rel: str, policy: LlmPolicy, wanted: Collection[str] = ()) -> SourceText:
    """The file's text for a prompt. OptedOut when it must not reach a model (checked before
    its content is read into anything), Unreadable when it is not UTF-8 text."""
    optout.check_path(repo_root, rel, policy.exclude)
    try:
        text = (repo_root / rel).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise Unreadable(f"unreadable: {error}") from None
    optout.check_text(text)
    names = frozenset(wanted)
    shown, cut = minimal_context(rel, text, names, policy.max_file_chars)
    return SourceText(path=rel, text=shown, cut=cut, original=text, wanted=names)


def admit_paths(repo_root: Path, paths: Iterable[str], policy: LlmPolicy, limit: int) -> list[str]:
    """At most `limit` of a repository's file paths a prompt may name (no content is read):
    those the configuration or a `.globallm-no-llm` file opts out are left out, shallow
    paths first (they say most about the layout), then alphabetically."""
    ordered = sorted(paths, key=lambda rel: (rel.count("/"), rel))
    shown: list[str] = []
    for rel in ordered:
        if len(shown) >= limit:
            break
        try:
            optout.check_path(repo_root, rel, policy.exclude)
        except OptedOut:
            continue
        shown.append(rel)
    return shown


class GateReport(BaseModel):
    """What the gate did to one request, for the ledger: counts and cuts, never a value."""

    secrets_redacted: int = 0
    secret_kinds: dict[str, int] = {}
    cuts: list[ContextCut] = []
    prompt_chars: int = 0


@dataclass(frozen=True)
class GatedPrompt:
    """A rendered, redacted prompt that fits: what `client.complete` sends, and only that."""

    name: str
    version: str
    sha256: str  # of the template, as registered
    text: str  # rendered and redacted
    report: GateReport
    redaction: Redaction = field(repr=False)
    repo: str | None = None
    seal: object = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.seal is not _SEAL:
            raise TypeError("a GatedPrompt is made only by tasks.llm.gate.prepare")

    @property
    def text_sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def shorten_text(value: str, limit: int) -> str:
    """`value` cut to `limit` characters, ending with a note of how many were left out."""
    if len(value) <= limit:
        return value
    note = f"\n[{OMITTED_MARKER} {len(value) - limit} characters omitted]"
    return value[: max(limit - len(note), 0)] + note


def prepare(
    name: str,
    policy: LlmPolicy,
    *,
    sources: Mapping[str, SourceText] | None = None,
    repo: str | None = None,
    prompts_dir: Path | None = None,
    **variables: object,
) -> GatedPrompt:
    """Render prompt `name` with `variables` and the admitted `sources` (variable -> file),
    redact it, and shorten files (then long free texts) until it fits `max_prompt_chars`."""
    sources = dict(sources or {})
    texts = dict(variables)
    for attempt in range(4):
        values = texts | {key: source.text for key, source in sources.items()}
        rendered = render(name, directory=prompts_dir, **values)
        redaction = Redaction()
        text = redaction.redact(rendered.text)
        excess = len(text) - policy.max_prompt_chars
        if excess <= 0:
            break
        if attempt == 3:
            raise PromptTooLarge(
                f"prompt {name!r} is {len(text):,} characters even shortened; "
                f"llm.max_prompt_chars is {policy.max_prompt_chars:,}"
            )
        sources, texts = _shrink(sources, texts, excess)
    report = GateReport(
        secrets_redacted=redaction.count,
        secret_kinds=redaction.kinds,
        cuts=[source.cut for source in sources.values() if source.cut is not None],
        prompt_chars=len(text),
    )
    return GatedPrompt(
        name=rendered.name,
        version=rendered.version,
        sha256=rendered.sha256,
        text=text,
        report=report,
        redaction=redaction,
        repo=repo,
        seal=_SEAL,
    )


def _shrink(
    sources: dict[str, SourceText], texts: dict[str, object], excess: int
) -> tuple[dict[str, SourceText], dict[str, object]]:
    """Smaller files first (each gives up its share of the excess, plus a margin), then the
    longest free texts when the files cannot give enough."""
    margin = excess // 10 + 200
    shrunk = dict(sources)
    if sources:
        share = (excess + margin) // len(sources) + 1
        for key, source in sources.items():
            limit = max(len(source.text) - share, 500)
            shown, cut = minimal_context(source.path, source.original, source.wanted, limit)
            shrunk[key] = SourceText(source.path, shown, cut, source.original, source.wanted)
        excess -= sum(len(sources[k].text) - len(shrunk[k].text) for k in sources)
    if excess <= 0:
        return shrunk, texts
    cut_texts = dict(texts)
    longest = sorted(
        (key for key, value in texts.items() if isinstance(value, str)),
        key=lambda key: -len(str(texts[key])),
    )
    for key in longest:
        value = str(texts[key])
        limit = max(len(value) - excess - margin, _MIN_TEXT_CHARS)
        cut_texts[key] = shorten_text(value, limit)
        excess -= len(value) - len(str(cut_texts[key]))
        if excess <= 0:
            break
    return shrunk, cut_texts
