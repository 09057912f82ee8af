"""The work queue: one PriorityScore per open issue, and what its issues tell a repository.

An issue joins its repository's health, impact and redundancy with its own solvability and
urgency, and ranks by the same formula as the projects (scoring.priority). The projects'
ranking in turn takes a repository's solvability and urgency from its top open issues.
"""

from __future__ import annotations

import polars as pl

from scoring.priority import PriorityWeights, score_priority

ISSUE_TERMS = ["solvability", "urgency"]
REPO_TERMS = ["health", "impact", "redundancy"]


def score_issue_priority(issues: pl.DataFrame, weights: PriorityWeights) -> pl.DataFrame:
    """Adds `priority` and a unique `rank` (1 = most urgent) to each issue, sorted by rank.

    Input columns: issue_id, repo_id, the issue's solvability and urgency, its repository's
    health, impact and redundancy (a missing or null term drops out). Equal priorities rank
    by issue_id, so the queue is the same whatever order the rows arrive in.
    """
    return score_priority(issues.sort("issue_id"), weights)


def repo_terms_from_issues(issues: pl.DataFrame, top_n: int) -> pl.DataFrame:
    """Per repo_id: the mean urgency and solvability of its top `top_n` open issues by issue
    priority, and `top_issues`, how many issues that mean is over.

    Input: score_issue_priority's output (repo_id, issue_id, priority, urgency, solvability;
    with an is_open column, closed issues are left out). Issues without a repository are left
    out; a repository whose top issues have no urgency (or solvability) gets null there, so the
    term drops out of its PriorityScore.
    """
    if top_n < 1:
        raise ValueError("top_n must be at least 1")
    frame = issues.filter(pl.col("repo_id").is_not_null())
    if "is_open" in frame.columns:
        frame = frame.filter(pl.col("is_open").fill_null(False))
    top = (
        frame.sort(["priority", "issue_id"], descending=[True, False], nulls_last=True)
        .group_by("repo_id", maintain_order=True)
        .head(top_n)
    )
    return (
        top.group_by("repo_id")
        .agg(
            pl.col("urgency").cast(pl.Float64).mean(),
            pl.col("solvability").cast(pl.Float64).mean(),
            pl.len().cast(pl.Int64).alias("top_issues"),
        )
        .sort("repo_id")
    )
