# ruff: noqa: F811  (pytest fixtures imported by name from tests/github_source.py)
"""The github-crawl flow under Prefect against the data fake: a first crawl, an unchanged
re-crawl that asks only what changed, the ledger run, and what the `github` tag costs."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from flows.github_crawl import github_crawl_flow
from tests.fakes.github_data import GitHubData
from tests.github_source import FAST, count, github, github_schema, rows  # noqa: F401

pytestmark = pytest.mark.usefixtures("prefect_server")
TIMING = FAST.model_dump()


def test_first_crawl_then_an_unchanged_recrawl(github: GitHubData, tmp_path: Path) -> None:
    github.populate(repositories=240, issues=1200)
    db = tmp_path / "w.duckdb"

    first = github_crawl_flow(db, ["python", "go"], 1000, max_issues=50, timing=TIMING)

    assert first.discovery.repositories == 80 and first.issues.issues == 400
    assert first.health.repositories == 0  # discovery just read every health field
    assert count(db, "raw_github_repositories") == 80 == first.issues.repositories
    assert first.requests == github.graphql_requests
    assert first.discovery.usage.requests / 80 <= 0.05
    before = github.graphql_requests

    again = github_crawl_flow(db, ["python", "go"], 1000, max_issues=50, timing=TIMING)

    assert github.graphql_requests - before == again.requests == 2  # pushed:>T, then since:T
    assert count(db, "raw_github_issues") == 400
    assert rows(db, "SELECT kind, status FROM ledger_runs ORDER BY created_at") == [
        ("github-crawl", "COMPLETED"),
        ("github-crawl", "COMPLETED"),
    ]


def test_the_github_tag_costs_little(github: GitHubData, tmp_path: Path) -> None:
    github.add_repository("o/r", 5000)
    db = tmp_path / "w.duckdb"
    github_crawl_flow(db, ["python"], 1000, timing=TIMING)  # warm
    started = time.perf_counter()
    github_crawl_flow(db, ["python"], 1000, timing=TIMING)
    elapsed = time.perf_counter() - started
    print(f"github-crawl flow with three tagged tasks: {elapsed:.2f}s")
    assert elapsed < 6.0
