"""Tests for scoring/triage_heuristic.py: the offline triage on typical issues."""

from __future__ import annotations

import polars as pl
import pytest

from scoring.triage_heuristic import FRAME_SCHEMA, triage_heuristic, triage_heuristic_frame

TRACEBACK = """Passing a tuple as `timeout` to `requests.get` fails:

```
Traceback (most recent call last):
  File "/home/me/app.py", line 3, in <module>
    main()
  File "/usr/lib/python3.11/site-packages/requests/api.py", line 73, in get
    return request("get", url, params=params, **kwargs)
  File "/usr/lib/python3.11/site-packages/requests/sessions.py", line 589, in request
    resp = self.send(prep, **send_kwargs)
  File "/usr/lib/python3.11/site-packages/urllib3/util/timeout.py", line 10, in _validate
ValueError: Timeout value connect was (1,), but it must be an int, float or None.
```
"""


def test_python_traceback_is_a_bug_with_its_frames_in_scope():
    triage = triage_heuristic("Tuple timeout rejected", TRACEBACK, [])
    assert triage.category == "bug"
    assert "requests/api.py" in triage.scope  # the installed prefix is stripped
    assert "urllib3/util/timeout.py" in triage.scope
    assert "requests.get" in triage.scope
    assert triage.complexity == 5  # a deep stack is not a wide fix
    assert triage.solvable
    assert triage.reason.startswith("heuristic: bug")
    assert triage.confidence <= 0.5


def test_docs_typo_is_easy_and_solvable():
    triage = triage_heuristic("Typo in README.md", "The install section says 'intall'.", [])
    assert triage.category == "docs"
    assert triage.scope == ["README.md"]
    assert triage.complexity <= 2
    assert triage.breaking_risk == "low"
    assert triage.solvable


def test_feature_request():
    triage = triage_heuristic(
        "Read configuration from TOML",
        "It would be nice to read settings from pyproject.toml as well as setup.cfg.",
        [],
    )
    assert triage.category == "feature"
    assert triage.scope == ["pyproject.toml", "setup.cfg"]
    assert triage.solvable


@pytest.mark.parametrize(
    ("title", "body"),
    [("How do I configure retries?", None), ("Retries with a proxy?", "Is this possible")],
)
def test_questions_are_not_solvable(title, body):
    triage = triage_heuristic(title, body, [])
    assert triage.category == "question"
    assert not triage.solvable
    assert "question" in triage.reason


def test_labels_override_keywords_and_raise_confidence():
    by_keyword = triage_heuristic("Crash on startup", TRACEBACK, [])
    by_label = triage_heuristic("Crash on startup", TRACEBACK, ["Enhancement"])
    assert by_label.category == "feature"
    assert by_label.confidence > by_keyword.confidence
    assert "label 'enhancement'" in by_label.reason


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        (["bug", "security"], "security"),
        (["type: Bug", "enhancement"], "bug"),
        (["CVE"], "security"),
        (["regression"], "bug"),
        (["documentation"], "docs"),
        (["docker"], "other"),
        (["question"], "question"),
        (["help wanted"], "other"),
        (["dependencies"], "chore"),
        (["CI"], "chore"),
    ],
)
def test_label_categories_in_order(labels, expected):
    assert triage_heuristic("Something", "", labels).category == expected


def test_security_is_never_solvable_even_when_easy():
    triage = triage_heuristic("XSS in the search box", "Fix README.md, good first issue", [])
    assert triage.category == "security"
    assert not triage.solvable
    assert "never automated" in triage.reason
    assert triage_heuristic("Use dependency injection", "", []).category == "other"
    assert triage_heuristic("x", "See CVE-2024-1234", []).category == "security"


def test_large_breaking_redesign_is_complex_high_risk_and_not_solvable():
    body = (
        "This is a breaking API change: a redesign of `pkg.plugins` needing a migration of "
        "a/b.py c/d.py e/f.py g/h.py i/j.py. " + "More detail. " * 200
    )
    triage = triage_heuristic("Redesign the plugin system", body, [])
    assert triage.complexity >= 8
    assert triage.breaking_risk == "high"
    assert not triage.solvable
    assert "too large" in triage.reason


def test_breaking_risk_levels():
    assert triage_heuristic("Backwards incompatible default", "", []).breaking_risk == "high"
    assert triage_heuristic("Non-breaking rename", "", []).breaking_risk == "low"
    assert triage_heuristic("Deprecate old flag", "", []).breaking_risk == "medium"


def test_no_signal_is_other_with_low_confidence_and_urls_are_not_scope():
    triage = triage_heuristic("Something", "See https://example.org/a/b.py", [])
    assert triage.category == "other"
    assert triage.scope == []
    assert triage.confidence <= 0.2
    assert triage.complexity == 5


def test_good_first_issue_lowers_complexity():
    assert triage_heuristic("Rename a flag", "", ["good first issue"]).complexity < 5


def test_frame_version_returns_the_fields_as_columns():
    frame = pl.DataFrame(
        {
            "issue_id": [1, 2, 3],
            "title": ["Typo in README.md", "How do I start?", None],
            "body": ["typo", None, TRACEBACK],
            "labels": [[], ["question"], None],
            "category": ["other", "other", "other"],  # replaced by the heuristic's
        },
        schema_overrides={"labels": pl.List(pl.String)},
    )
    out = triage_heuristic_frame(frame)
    assert out.columns == ["issue_id", "title", "body", "labels", *FRAME_SCHEMA]
    assert out.get_column("category").to_list() == ["docs", "question", "bug"]
    assert out.get_column("solvable").to_list() == [True, False, True]
    assert out.schema["scope"] == pl.List(pl.String)
    empty = triage_heuristic_frame(frame.clear())
    assert empty.height == 0
    assert dict(empty.select(list(FRAME_SCHEMA)).schema) == FRAME_SCHEMA
