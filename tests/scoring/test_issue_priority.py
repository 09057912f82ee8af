"""Tests for scoring/issue_priority.py: the work queue's rank and the repository terms."""

from __future__ import annotations

import polars as pl
import pytest

from scoring.issue_priority import repo_terms_from_issues, score_issue_priority
from scoring.priority import PriorityWeights

SCHEMA = {
    "issue_id": pl.Int64,
    "repo_id": pl.String,
    "health": pl.Float64,
    "impact": pl.Float64,
    "redundancy": pl.Float64,
    "solvability": pl.Float64,
    "urgency": pl.Float64,
}


def _issues(*rows: tuple) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=SCHEMA, orient="row")


def test_rank_one_is_most_urgent_and_combines_repo_and_issue_terms():
    frame = _issues(
        (1, "a", 0.5, 0.5, 0.0, 0.2, 0.2),
        (2, "a", 0.5, 0.5, 0.0, 0.9, 0.9),
        (3, "b", 1.0, 1.0, 0.0, 0.2, 0.2),
    )
    out = score_issue_priority(frame, PriorityWeights())
    assert out.get_column("issue_id").to_list() == [2, 3, 1]
    assert out.get_column("rank").to_list() == [1, 2, 3]
    top = out.row(0, named=True)
    assert top["priority"] == pytest.approx((0.5 + 0.75 + 0.9 + 0.9) / 4.5)


def test_redundant_repository_pushes_its_issues_down():
    frame = _issues((1, "dup", 0.5, 0.5, 1.0, 0.5, 0.5), (2, "own", 0.5, 0.5, 0.0, 0.5, 0.5))
    out = score_issue_priority(frame, PriorityWeights())
    assert out.get_column("issue_id").to_list() == [2, 1]


def test_ties_rank_by_issue_id_whatever_the_input_order():
    rows = [(i, "r", 0.5, 0.5, 0.0, 0.5, 0.5) for i in (3, 1, 2)]
    out = score_issue_priority(_issues(*rows), PriorityWeights())
    assert out.get_column("issue_id").to_list() == [1, 2, 3]


def test_null_terms_drop_out_and_all_null_ranks_last():
    frame = _issues(
        (1, "r", None, None, None, None, None),
        (2, "r", None, None, None, 0.8, None),
        (3, "r", 0.1, 0.1, None, 0.1, 0.1),
    )
    out = score_issue_priority(frame, PriorityWeights())
    assert out.get_column("issue_id").to_list() == [2, 3, 1]
    assert out.row(0, named=True)["priority"] == pytest.approx(0.8)
    assert out.row(2, named=True)["priority"] is None


def test_repo_terms_average_the_top_n_issues_by_priority():
    frame = _issues(
        (1, "a", 0.5, 0.5, 0.0, 0.9, 1.0),
        (2, "a", 0.5, 0.5, 0.0, 0.7, 0.8),
        (3, "a", 0.5, 0.5, 0.0, 0.0, 0.0),
        (4, "b", 0.5, 0.5, 0.0, 0.4, None),
        (5, None, 0.5, 0.5, 0.0, 1.0, 1.0),
    )
    ranked = score_issue_priority(frame, PriorityWeights())
    out = {row["repo_id"]: row for row in repo_terms_from_issues(ranked, top_n=2).to_dicts()}
    assert set(out) == {"a", "b"}  # no repository, no term
    assert out["a"]["urgency"] == pytest.approx(0.9)
    assert out["a"]["solvability"] == pytest.approx(0.8)
    assert out["a"]["top_issues"] == 2
    assert out["b"]["urgency"] is None  # drops out of the repository's PriorityScore
    assert out["b"]["solvability"] == pytest.approx(0.4)


def test_repo_terms_leave_closed_issues_out():
    frame = _issues(
        (1, "a", 0.5, 0.5, 0.0, 1.0, 1.0), (2, "a", 0.5, 0.5, 0.0, 0.2, 0.2)
    ).with_columns(is_open=pl.Series([False, True]))
    ranked = score_issue_priority(frame, PriorityWeights())
    out = repo_terms_from_issues(ranked, top_n=5).row(0, named=True)
    assert out["urgency"] == pytest.approx(0.2)
    assert out["top_issues"] == 1


def test_repo_terms_need_a_positive_top_n():
    ranked = score_issue_priority(_issues((1, "a", 0.5, 0.5, 0.0, 0.5, 0.5)), PriorityWeights())
    with pytest.raises(ValueError, match="top_n"):
        repo_terms_from_issues(ranked, top_n=0)
