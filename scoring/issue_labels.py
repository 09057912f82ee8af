"""Which category GitHub labels name: the one table the classifier's supervision and the
heuristic's label rule share, so both read "type: bug" or "kind/feature-request" the same way.
Pure."""

from __future__ import annotations

import re

CATEGORIES = ("security", "bug", "feature", "docs", "question", "chore", "other")

# A label names a category when one of its tokens (runs of letters and digits) matches; the
# first category in this order wins, so "bug" + "security" is security and "bug" +
# "enhancement" is a bug.
_LABEL_RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (category, re.compile(pattern))
    for category, pattern in (
        ("security", r"secur(e|ity)|vulnerab\w*|cve"),
        ("bug", r"bugs?|bug(fix|report)\w*|defects?|crash(es|ed|ing)?|regressions?"),
        ("feature", r"features?|enhancements?|enhance"),
        ("docs", r"docs?|documentation|documents?"),
        ("question", r"questions?|support"),
        ("chore", r"chores?|maintenance|refactor(s|ing)?|dependenc(y|ies)|deps|ci"),
    )
)
_TOKEN = re.compile(r"[a-z0-9]+")


def label_category(labels: list[str]) -> str | None:
    """The category the labels name, or None when none does.

    Lower-cased, each label split into tokens ("type: bug" -> type, bug; "kind/feature-request"
    -> kind, feature, request); a rule matches a whole token, so "ci" is not found in
    "decision" nor "doc" in "docker". security > bug > feature > docs > question > chore.
    """
    tokens = {token for label in labels for token in _TOKEN.findall(label.lower())}
    for category, pattern in _LABEL_RULES:
        if any(pattern.fullmatch(token) for token in tokens):
            return category
    return None
