"""The LLM path's pure half: read a model's search/replace answer and apply it to one file.

The model proposes edits as strict JSON (prompts/llm_patch.j2); nothing here talks to a model
(tasks/llm/client.py does, and the task layer puts the answer into the recipe's options). An edit is
trusted only when its `search` text occurs exactly once in the file as the previous edits
left it: zero matches means the model misremembered the file, several mean the edit is
ambiguous, and either way guessing would change the wrong code, so the whole file FAILS.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import PurePosixPath
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from fixers.placeholders import UnknownPlaceholder, restore
from fixers.recipe import Recipe, RecipeOptions
from fixers.results import FixResult
from prompts.answers import UnreadableAnswer, answer_json, first_problems

# A ```json ... ``` (or bare ```) block: models often wrap JSON in one despite being asked not to.
# Suffixes of files that are not text; everything else is a candidate for an edit.
_BINARY_SUFFIXES = frozenset(
    (  # noqa: SIM905 - one string reads better than 44 lines of one suffix each
        ".png .jpg .jpeg .gif .bmp .ico .webp .pdf .zip .gz .tgz .bz2 .xz .7z .tar .whl .egg "
        ".so .dll .dylib .exe .bin .o .a .pyc .pyo .class .jar .woff .woff2 .ttf .otf .mp3 "
        ".mp4 .wav .avi .mov .sqlite .db .duckdb .parquet .npy .npz .pkl"
    ).split()
)


class MalformedAnswer(ValueError):
    """The model's answer is not the JSON the prompt asked for; the message says why."""


class Edit(BaseModel):
    model_config = ConfigDict(extra="ignore")

    path: str
    search: str = Field(min_length=1)
    replace: str


class EditProposal(BaseModel):
    model_config = ConfigDict(extra="ignore")

    edits: list[Edit]
    summary: str
    confidence: float = Field(ge=0.0, le=1.0)


def parse_edits(answer_text: str) -> EditProposal:
    """The edits in a model's answer; MalformedAnswer with a readable reason otherwise."""
    try:
        data = answer_json(answer_text)
    except UnreadableAnswer as error:
        raise MalformedAnswer(str(error)) from error
    if not isinstance(data, dict):
        raise MalformedAnswer(
            f"the answer is a JSON {type(data).__name__}, not an object with 'edits'"
        )
    try:
        return EditProposal.model_validate(data)
    except ValidationError as error:
        raise MalformedAnswer(f"the answer has the wrong shape: {first_problems(error)}") from error


def _same_path(a: str, b: str) -> bool:
    """Equal repository-relative paths ("./src/a.py" is "src/a.py")."""
    return PurePosixPath(a.strip()) == PurePosixPath(b.strip())


def _with_line_endings(text: str, source: str) -> str:
    """`text` with CRLF line breaks when the file uses them and the model wrote bare LF."""
    if "\r\n" in source and "\r" not in text:
        return text.replace("\n", "\r\n")
    return text


def _restored(edit: Edit, secrets: Mapping[str, str]) -> Edit:
    """The edit with the request's secret placeholders back to their values (exactly)."""
    return edit.model_copy(
        update={"search": restore(edit.search, secrets), "replace": restore(edit.replace, secrets)}
    )


def apply_edits(
    path: str, source: str, edits: Sequence[Edit], secrets: Mapping[str, str] | None = None
) -> FixResult:
    """Apply the edits meant for `path` in order, each search text exactly once, or fail.

    All-or-nothing: one edit that matches 0 or several times fails the file, since applying
    the others alone could leave it half-changed. `secrets` (placeholder -> value) are the ones
    this file's request redacted; an edit naming any other placeholder fails the file.
    """
    mine = [(index, edit) for index, edit in enumerate(edits) if _same_path(edit.path, path)]
    if not mine:
        return FixResult.skipped(path, "the answer has no edit for this file")
    try:
        mine = [(index, _restored(edit, secrets or {})) for index, edit in mine]
    except UnknownPlaceholder as error:
        return FixResult.failed(path, f"an edit cannot be restored: {error}")
    new_source = source
    for index, edit in mine:
        search = _with_line_endings(edit.search, source)
        count = new_source.count(search)
        if count != 1:
            preview = edit.search.strip().splitlines()[0][:60] if edit.search.strip() else ""
            return FixResult.failed(
                path,
                f"edit {index} matches {count} times (it must match exactly once): "
                f"search text starting {preview!r}",
            )
        new_source = new_source.replace(search, _with_line_endings(edit.replace, source), 1)
    if new_source == source:
        return FixResult.skipped(path, "the edits leave the file unchanged")
    return FixResult.applied(path, new_source, f"applied {len(mine)} LLM edit(s)", ["llm-patch"])


class LlmPatchOptions(RecipeOptions):
    issue_title: str = ""
    issue_body: str = ""
    answer: str | None = None  # the model's answer text; the task layer fills it in
    # per file, the secrets its request redacted (placeholder -> value): SecretStr, so a
    # Prefect run's recorded parameters show '**********', never a value
    secrets: dict[str, dict[str, SecretStr]] = Field(default_factory=dict)

    def secrets_of(self, path: str) -> dict[str, str]:
        for key, values in self.secrets.items():
            if _same_path(key, path):
                return {name: value.get_secret_value() for name, value in values.items()}
        return {}


class LlmPatch(Recipe):
    name: ClassVar[str] = "llm-patch"
    description: ClassVar[str] = (
        "Resolve an issue with search/replace edits proposed by an LLM (each must match once)."
    )
    language: ClassVar[str] = "python"
    options_model: ClassVar[type[RecipeOptions]] = LlmPatchOptions
    confidence: ClassVar[float] = 0.7
    risk: ClassVar[str] = "MEDIUM"

    def applies_to(self, path: str) -> bool:
        """Any text file: the model may fix a README or a config file as well as code."""
        return PurePosixPath(path).suffix.lower() not in _BINARY_SUFFIXES

    def transform(self, path: str, source: str) -> FixResult:
        options: LlmPatchOptions = self.options  # type: ignore[assignment]
        if options.answer is None:
            return FixResult.skipped(path, "no LLM configured: the llm-patch step was skipped")
        try:
            proposal = parse_edits(options.answer)
        except MalformedAnswer as error:
            return FixResult.failed(path, f"malformed LLM answer: {error}")
        result = apply_edits(path, source, proposal.edits, options.secrets_of(path))
        if result.new_source is not None and proposal.summary.strip():
            result.reason = f"{proposal.summary.strip()} ({result.reason})"
        return result


def answer_confidence(answer_text: str | None) -> float | None:
    """The confidence the model gave its edits (the least of its per-file answers), or None
    when there is no well-formed answer to take it from."""
    if answer_text is None:
        return None
    try:
        return parse_edits(answer_text).confidence
    except MalformedAnswer:
        return None


def mentioned_files(text: str, paths: Sequence[str]) -> list[str]:
    """The repository paths an issue names, by full path or, when unambiguous, by file name."""
    found = []
    by_name: dict[str, list[str]] = {}
    for path in paths:
        by_name.setdefault(PurePosixPath(path).name, []).append(path)
    for path in paths:
        name = PurePosixPath(path).name
        pattern = (
            r"(?<![\w/.-])(?:"
            + re.escape(path)
            + ("|" + re.escape(name) if len(by_name[name]) == 1 else "")
            + r")(?![\w/-])"
        )
        if re.search(pattern, text):
            found.append(path)
    return found
