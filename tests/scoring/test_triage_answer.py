"""scoring/triage_answer.py: a model's triage JSON read strictly, with the small liberties models
take (a fence, capitals, a float complexity) forgiven and anything else a clear reason."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import polars as pl
import pytest

from scoring.triage_answer import MalformedTriage, TriageAnswer, parse_triage
from scoring.triage_rows import COLUMNS, llm_triage_rows

VALID = {
    "category": "bug",
    "complexity": 3,
    "scope": ["src/geo.py", "geo.area"],
    "breaking_risk": "low",
    "solvable": True,
    "solvable_reason": "a one-line fix with a test",
    "confidence": 0.8,
}


def answer(**changes: object) -> str:
    return json.dumps(VALID | changes)


def test_a_valid_answer_is_read_as_it_is():
    parsed = parse_triage(answer())
    assert parsed == TriageAnswer(**VALID)


def test_a_json_fence_and_prose_around_it_are_tolerated():
    text = f"Here is the triage:\n```json\n{answer()}\n```\nHope it helps."
    assert parse_triage(text).category == "bug"


def test_case_and_float_complexity_are_forgiven_and_complexity_is_clamped():
    parsed = parse_triage(answer(category=" Feature ", breaking_risk="HIGH", complexity=4.6))
    assert (parsed.category, parsed.breaking_risk, parsed.complexity) == ("feature", "high", 5)
    assert parse_triage(answer(complexity=12)).complexity == 10
    assert parse_triage(answer(complexity=0)).complexity == 1


def test_scope_is_distinct_trimmed_strings_at_most_twenty():
    parsed = parse_triage(answer(scope=[" a.py", "a.py", "", *[f"m{i}.py" for i in range(30)]]))
    assert parsed.scope[:2] == ["a.py", "m0.py"] and len(parsed.scope) == 20
    assert parse_triage(answer(scope="src/one.py")).scope == ["src/one.py"]
    assert parse_triage(answer(scope=None)).scope == []


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("The issue is a bug of complexity 3.", "not JSON"),
        ("```json\n{oops}\n```", "fenced block is not JSON"),
        ("[1, 2]", "JSON list, not a triage object"),
        (json.dumps({k: v for k, v in VALID.items() if k != "confidence"}), "lacks confidence"),
        (answer(category="enhancement"), "category"),
        (answer(breaking_risk="none"), "breaking_risk"),
        (answer(solvable="yes"), "solvable"),
        (answer(complexity="three"), "complexity"),
        (answer(complexity=True), "complexity"),
        (answer(confidence=1.5), "confidence"),
        (answer(confidence="high"), "confidence"),
        (answer(scope=[1, 2]), "scope"),
        (answer(solvable_reason=""), "solvable_reason"),
    ],
)
def test_malformed_answers_say_why(text: str, reason: str):
    with pytest.raises(MalformedTriage, match=reason):
        parse_triage(text)


def test_llm_rows_carry_the_method_version_and_never_automate_security():
    at = datetime(2026, 1, 2, tzinfo=UTC)
    issues = pl.DataFrame(
        {"issue_id": ["I_1", "I_2", "I_3"], "updated_at": [at, at, at], "title": ["a", "b", "c"]}
    )
    answers = {
        "I_1": parse_triage(answer()),
        "I_3": parse_triage(answer(category="security", solvable=True)),
    }
    rows = llm_triage_rows(issues, answers, "llm-m-abc", "m")
    assert rows.columns == COLUMNS and rows["issue_id"].to_list() == ["I_1", "I_3"]
    first, security = rows.to_dicts()
    assert (first["method"], first["model_version"], first["solvable"]) == (
        "llm:m",
        "llm-m-abc",
        True,
    )
    assert first["solvable_reason"] == "llm m: a one-line fix with a test"
    assert first["scope"] == ["src/geo.py", "geo.area"] and first["complexity"] == 3
    assert security["solvable"] is False and "never automated" in security["solvable_reason"]
    assert llm_triage_rows(issues, {}, "v", "m").is_empty()
