"""The offline heuristic triage: the last fallback when neither an LLM nor a trained classifier
is available, so it says so ("heuristic: ...") and never claims more than 0.5 confidence.

A maintainer's label beats any keyword; keywords decide only where no label names a category.
Security issues, questions and large changes are never marked solvable.
"""

from __future__ import annotations

import re
from typing import Literal

import polars as pl
from pydantic import BaseModel, ConfigDict, Field

from scoring.issue_labels import label_category

Category = Literal["security", "bug", "feature", "docs", "question", "chore", "other"]

# Where no label names a category: the first keyword that matches, in this order.
KEYWORD_RULES: list[tuple[Category, str, Literal["title", "text"]]] = [
    ("security", r"\bcve-\d|vulnerabilit|\bxss\b|(?<!dependency )injection", "text"),
    ("bug", r"traceback \(most recent call last\)", "text"),
    ("feature", r"feature request|add support|would be nice", "text"),
    ("docs", r"\btypos?\b|documentation|\bdocs\b", "text"),
    ("question", r"\bhow do i\b", "text"),
    ("question", r"\?\s*$", "title"),
    ("bug", r"\berrors?\b|\bexception\b|\bcrash", "text"),
]
EASY = r"\beasy\b|beginner"
HEAVY = ["redesign", "refactor", r"(?<!non-)(?<!non )breaking", "api change", "migrat"]
BREAKING = r"(?<!non-)(?<!non )breaking|backwards?[ -]incompatib|api change"
MEDIUM_RISK = r"deprecat|redesign|refactor|migrat"
EXTENSIONS = (
    "py|pyi|pyx|js|jsx|ts|tsx|md|rst|txt|toml|ya?ml|json|cfg|ini|c|h|cc|cpp|rs|go|java|rb|sh"
)
PATH = re.compile(rf"(?<![\w/.-])/?(?:[\w.-]+/)*[\w-][\w.-]*\.(?:{EXTENSIONS})\b(?![\w/-])")
DOTTED = re.compile(r"`([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)(?:\(\))?`")
TRACE_FRAME = re.compile(r'File "([^"]+)"')
INSTALLED = re.compile(r"^.*/(?:site|dist)-packages/")
URL = re.compile(r"https?://\S+")
MAX_SCOPE = 20
LABEL_CONFIDENCE, KEYWORD_CONFIDENCE, DEFAULT_CONFIDENCE = 0.5, 0.3, 0.1

FRAME_SCHEMA = {
    "category": pl.String,
    "complexity": pl.Int64,
    "scope": pl.List(pl.String),
    "breaking_risk": pl.String,
    "solvable": pl.Boolean,
    "reason": pl.String,
    "confidence": pl.Float64,
}


class HeuristicTriage(BaseModel):
    """One issue's triage, the fields of the ledger's IssueTriage the heuristic can fill."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    category: Category
    complexity: int = Field(ge=1, le=10)
    scope: list[str]
    breaking_risk: Literal["low", "medium", "high"]
    solvable: bool
    reason: str = Field(pattern=r"^heuristic: ")
    confidence: float = Field(ge=0.0, le=0.5)


def triage_heuristic(title: str, body: str | None, labels: list[str]) -> HeuristicTriage:
    """Category, complexity, scope, breaking risk and solvability of one issue from its text
    and labels alone."""
    title, body = title or "", body or ""
    text = f"{title}\n{body}".lower()
    label_text = " ".join(labels).lower()
    category, source, confidence = _category(title.lower(), text, [lb.lower() for lb in labels])
    signals = f"{label_text} {text}"
    scope, named = _scope(f"{title}\n{body}")
    complexity = _complexity(signals, len(body), named, category)
    breaking = _breaking(signals)
    if category == "security":
        solvable, why = False, "security issues are never automated"
    elif category == "question":
        solvable, why = False, "a question asks for an answer, not a change"
    elif complexity >= 8:
        solvable, why = False, f"complexity {complexity} is too large to automate"
    else:
        solvable, why = True, f"complexity {complexity}, breaking risk {breaking}"
    return HeuristicTriage(
        category=category,
        complexity=complexity,
        scope=scope,
        breaking_risk=breaking,
        solvable=solvable,
        reason=f"heuristic: {category} ({source}); {why}",
        confidence=confidence,
    )


def triage_heuristic_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """triage_heuristic over the rows of a frame with title, body and labels (list of str):
    its fields become columns, replacing any of the same name; other columns pass through."""
    rows = [
        triage_heuristic(title or "", body, labels or []).model_dump()
        for title, body, labels in frame.select("title", "body", "labels").iter_rows()
    ]
    fields = pl.DataFrame(rows, schema=FRAME_SCHEMA)
    return frame.drop(list(FRAME_SCHEMA), strict=False).hstack(fields)


def _category(title: str, text: str, labels: list[str]) -> tuple[Category, str, float]:
    """(category, what decided it, confidence): a label first, then a keyword, else 'other'."""
    category = label_category(labels)
    if category is not None:  # the labels' own table (scoring/issue_labels.py): one for all
        label = next(label for label in labels if label_category([label]) == category)
        return category, f"label '{label}'", LABEL_CONFIDENCE
    for category, pattern, where in KEYWORD_RULES:
        if match := re.search(pattern, title if where == "title" else text):
            return category, f"keyword '{match.group(0).strip()}'", KEYWORD_CONFIDENCE
    return "other", "no label or keyword", DEFAULT_CONFIDENCE


def _scope(text: str) -> tuple[list[str], int]:
    """File paths and backticked dotted names the text mentions, first mention first, and how
    many of them were named outside a traceback's frames (a deep stack is not a wide fix)."""
    text = URL.sub(" ", text)
    frames = {INSTALLED.sub("", f) for f in TRACE_FRAME.findall(text)}
    found = [INSTALLED.sub("", m.group(0)) for m in PATH.finditer(text)] + DOTTED.findall(text)
    scope = list(dict.fromkeys(found))[:MAX_SCOPE]
    return scope, sum(1 for name in scope if name not in frames)


def _breaking(text: str) -> Literal["low", "medium", "high"]:
    """High where the text says the change breaks callers, medium for deep reworks."""
    if re.search(BREAKING, text):
        return "high"
    return "medium" if re.search(MEDIUM_RISK, text) else "low"


def _complexity(text: str, body_length: int, named: int, category: str) -> int:
    """Base 5, lower for easy signs (a typo, one named file), higher for big ones."""
    score = 5
    score -= 2 if "good first issue" in text else 0
    score -= 1 if re.search(EASY, text) else 0
    score -= 2 if re.search(r"\btypos?\b", text) else 0
    score -= 1 if category == "docs" else 0
    score -= 1 if body_length < 500 and named == 1 else 0
    score += 2 if body_length > 5000 else (1 if body_length > 2000 else 0)
    score += 2 if named >= 5 else (1 if named >= 3 else 0)
    score += min(3, sum(1 for word in HEAVY if re.search(word, text)))
    return max(1, min(10, score))
