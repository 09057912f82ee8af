"""The triage flow on issues landed in a real DuckDB file: the heuristic or the classifier the
warehouse's labelled issues train, rows keyed by issue version, nothing triaged twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from flows.triage import TriageMethod, triage_flow
from scoring.issue_classifier import NotEnoughLabels
from warehouse.io import store

NOW = datetime.now(UTC)

BUGS = [
    ("Crash when {w} is empty", 'Traceback (most recent call last):\n  File "{w}.py"\nKeyError'),
    ("{w} raises TypeError on None", "Calling {w}(None) raises an exception instead of a value."),
    ("Wrong result from {w}", "Expected 3 but {w} returns 4; this is a regression."),
]
FEATURES = [
    ("Add support for {w} files", "It would be nice to read {w} files as well."),
    ("Feature request: {w} option", "Please add an option to configure {w}."),
    ("Allow {w} in the config", "A new setting for {w} would help our use case."),
]
QUESTIONS = [
    ("How do I use {w}?", "I could not find how to configure {w} in the docs, any hint?"),
    ("Is {w} supported?", "Does the library work with {w}, or is there a workaround?"),
    ("Question about {w}", "What is the recommended way to call {w}?"),
]
WORDS = ["parser", "client", "cache", "router", "loader", "writer", "reader", "planner"]


def issue(number: int, title: str, body: str, labels: list[str], state: str = "OPEN") -> dict:
    at = NOW - timedelta(days=number % 30 + 1)
    return {
        "issue_id": f"I_{number}",
        "repo_full_name": "acme/core" if number % 2 else "acme/app",
        "number": number,
        "title": title,
        "body": body,
        "state": state,
        "labels": labels,
        "reactions": number % 5,
        "comments": number % 3,
        "author_association": "NONE",
        "linked_pull_requests": 0,
        "url": f"https://github.com/acme/core/issues/{number}",
        "created_at": at - timedelta(days=30),
        "updated_at": at,
        "closed_at": None if state == "OPEN" else at,
        "payload": None,
        "fetched_at": NOW,
        "linked_pulls": "[]",
    }


def land(db: Path, rows: list[dict]) -> None:
    with store.connect(db) as con:
        store.land(con, "raw_github_issues", rows)


def labelled_history() -> list[dict]:
    """Closed issues whose labels name their category: the classifier's supervision."""
    rows, number = [], 1000
    for kinds, label in ((BUGS, "bug"), (FEATURES, "enhancement"), (QUESTIONS, "question")):
        for title, body in kinds:
            for word in WORDS:
                number += 1
                rows.append(
                    issue(number, title.format(w=word), body.format(w=word), [label], "CLOSED")
                )
    return rows


def triage_rows(db: Path) -> list[tuple]:
    with store.connect(db, read_only=True) as con:
        return con.execute(
            "SELECT issue_id, method, category, solvable FROM raw_issue_triage ORDER BY 1, 2"
        ).fetchall()


def test_without_labels_the_heuristic_triages_each_open_issue_once(prefect_server, tmp_path):
    db = tmp_path / "w.duckdb"
    land(
        db,
        [
            issue(1, "Crash on start", "Traceback (most recent call last):\nValueError", []),
            issue(2, "SQL injection in the login form", "An attacker can inject SQL.", []),
            issue(3, "Old bug", "long fixed", ["bug"], state="CLOSED"),
        ],
    )
    first = triage_flow(db_path=db, rank=False)
    assert (first.method, first.triaged, first.open_issues) == ("heuristic", 2, 2)
    assert first.notice.startswith("heuristic triage: ")  # says why not the classifier
    assert triage_rows(db) == [
        ("I_1", "heuristic", "bug", True),
        ("I_2", "heuristic", "security", False),
    ]
    again = triage_flow(db_path=db, rank=False)
    assert again.triaged == 0 and len(triage_rows(db)) == 2

    edited = issue(1, "Crash on start", "Now a question: how do I start it?", [])
    edited["updated_at"] = NOW
    land(db, [edited])
    assert triage_flow(db_path=db, rank=False).triaged == 1  # the new version only
    assert len(triage_rows(db)) == 3


def test_labelled_issues_train_a_classifier_that_triages_the_open_ones(prefect_server, tmp_path):
    db = tmp_path / "w.duckdb"
    land(db, labelled_history())
    land(
        db,
        [
            issue(1, "Crash when saving a file", "Traceback (most recent call last):\nOSError", []),
            issue(2, "Add support for YAML files", "It would be nice to read YAML as well.", []),
            issue(3, "How do I configure the proxy?", "I could not find it in the docs.", []),
        ],
    )
    summary = triage_flow(db_path=db, rank=False)
    assert summary.method == "classifier" and summary.labelled == 72
    assert summary.version.startswith("classifier-") or summary.version
    assert triage_rows(db) == [
        ("I_1", "classifier", "bug", True),
        ("I_2", "classifier", "feature", True),
        ("I_3", "classifier", "question", False),
    ]
    heuristic = triage_flow(db_path=db, method=TriageMethod.heuristic, rank=False)
    assert heuristic.triaged == 3  # another method's rows sit beside the classifier's


def test_the_classifier_method_without_enough_labels_fails_clearly(prefect_server, tmp_path):
    db = tmp_path / "w.duckdb"
    land(db, [issue(1, "Crash", "Traceback", [])])
    with pytest.raises(NotEnoughLabels, match="labelled"):
        triage_flow(db_path=db, method=TriageMethod.classifier, rank=False)
