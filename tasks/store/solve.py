"""Prefect tasks for the solve loop's warehouse side: the issues to try next (through
warehouse/readers/solve_queries.py) and the ledger events of the issues it passes over."""

from __future__ import annotations

from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel

from warehouse.io import store
from warehouse.readers import solve_queries
from warehouse.readers.solve_queries import SolveQuery

__all__ = [
    "SolveIssue",
    "SolveQuery",
    "read_candidates",
    "read_never",
    "record_issue_event",
]


class SolveIssue(BaseModel):
    """One open issue of the work queue, with what a fix of it needs to know."""

    rank: int
    url: str
    repo: str
    repo_id: str | None = None
    number: int | None = None
    title: str
    body: str = ""
    category: str | None = None
    complexity: float | None = None
    risk: str
    decision: str
    language: str | None = None
    priority: float | None = None
    scope: list[str] = []
    workspace: str | None = None  # a crawled local checkout of the repository, if any


@task(name="read-solve-candidates", cache_policy=NO_CACHE)
def read_candidates(db_path: Path, query: SolveQuery) -> list[SolveIssue]:
    """The issues a solve may try now, best first, each with its workspace checkout."""
    with store.connect(db_path) as con:
        frame = solve_queries.candidates(con, query)
        issues = []
        for row in frame.to_dicts():
            row["workspace"] = solve_queries.workspace_checkout(con, row["repo_id"])
            issues.append(SolveIssue.model_validate(row))
    return issues


@task(name="read-never-issues", cache_policy=NO_CACHE)
def read_never(db_path: Path, query: SolveQuery, rank: int) -> list[str]:
    """URLs of the issues ranked up to `rank` that are never automated (security, breaking)."""
    with store.connect(db_path) as con:
        return solve_queries.never_above(con, query, rank)["url"].to_list()


@task(name="record-issue-event", cache_policy=NO_CACHE)
def record_issue_event(db_path: Path, run_id: str, url: str, state: str, detail: str) -> None:
    """An event about one issue in `ledger_events` (SKIPPED, FAILED or NOTIFY, with why)."""
    with store.connect(db_path) as con:
        store.record_event(con, run_id, state, subject_kind="issue", subject_id=url, detail=detail)
