"""Read a model's triage answer (prompts/issue_triage.j2): one JSON object, checked strictly.

Pure: tasks/llm/triage.py asks the model and hands the text here. A category, risk or
solvability outside the schema makes the answer malformed (the issue falls back to the
classifier or the heuristic), while small liberties are forgiven: a ```json fence, "Bug" for
"bug", a complexity of 3.0 or 12 (clamped to 1-10), a scope of one string, at most 20 kept.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from prompts.answers import UnreadableAnswer, answer_json, first_problems
from scoring.triage_heuristic import MAX_SCOPE, Category

# A ```json ... ``` (or bare ```) block: models often wrap JSON in one despite being asked not to.
MAX_SCOPE_ENTRY_CHARS = 200  # a path or a dotted module name, not a paragraph
MAX_REASON_CHARS = 500
FIELDS = ("category", "complexity", "scope", "breaking_risk", "solvable", "solvable_reason",
          "confidence")  # fmt: skip


class MalformedTriage(ValueError):
    """The model's answer is not the triage JSON the prompt asked for; the message says why."""


class TriageAnswer(BaseModel):
    """One issue's triage as a model answered it."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    category: Category
    complexity: int = Field(ge=1, le=10)
    scope: list[str] = Field(max_length=MAX_SCOPE)
    breaking_risk: Literal["low", "medium", "high"]
    solvable: bool = Field(strict=True)
    solvable_reason: str = Field(min_length=1, max_length=MAX_REASON_CHARS)
    confidence: float = Field(ge=0.0, le=1.0)

    @field_validator("category", "breaking_risk", mode="before")
    @classmethod
    def _lowercase(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("complexity", mode="before")
    @classmethod
    def _clamped(cls, value: object) -> object:
        """A number rounds and clamps into 1-10; anything else (a string, a bool) fails."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError("must be a number from 1 to 10")
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError("must be a finite number from 1 to 10")
        return max(1, min(10, round(value)))

    @field_validator("confidence", mode="before")
    @classmethod
    def _number(cls, value: object) -> object:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError("must be a number from 0 to 1")
        return value

    @field_validator("scope", mode="before")
    @classmethod
    def _names(cls, value: object) -> object:
        """Distinct non-empty strings, first mention first, at most MAX_SCOPE."""
        if value is None:
            return []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError("must be a list of file paths or module names")
        names = [v.strip() for v in value if v.strip()]
        return [n[:MAX_SCOPE_ENTRY_CHARS] for n in dict.fromkeys(names)][:MAX_SCOPE]

    @field_validator("solvable_reason", mode="before")
    @classmethod
    def _sentence(cls, value: object) -> object:
        if isinstance(value, str):
            text = " ".join(value.split())
            return text[: MAX_REASON_CHARS - 3] + "..." if len(text) > MAX_REASON_CHARS else text
        return value


def parse_triage(text: str) -> TriageAnswer:
    """The triage in a model's answer; MalformedTriage with a readable reason otherwise."""
    try:
        data = answer_json(text)
    except UnreadableAnswer as error:
        raise MalformedTriage(str(error)) from error
    if not isinstance(data, dict):
        raise MalformedTriage(f"the answer is a JSON {type(data).__name__}, not a triage object")
    missing = [name for name in FIELDS if name not in data]
    if missing:
        raise MalformedTriage(f"the answer lacks {', '.join(missing)}")
    try:
        return TriageAnswer.model_validate(data)
    except ValidationError as error:
        raise MalformedTriage(f"the answer has the wrong shape: {first_problems(error)}") from error
