"""Health refresh: each batch lands as it is read, a renamed repository keeps one row (and
takes its cursor, issues and failures along), and issues closed in 90 days are counted
exactly by an issue search in the same request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tasks.github.crawl import crawl_issues, discover_repositories, refresh_health
from tests.fakes.github_data import GitHubData, iso
from tests.fakes.github_server import Fault, graphql_errors
from tests.github_source import FAST, TOKEN, count, endpoint_for, rows
from warehouse.io.github_store import GitHubStore


def test_a_killed_refresh_keeps_the_batches_it_read(
    github: GitHubData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(250):
        github.add_repository(f"o/r{i:03}", 3000 + i, "Go")
    db = tmp_path / "w.duckdb"
    discover_repositories.fn(db, ["go"], 1000, timing=FAST, endpoint=endpoint_for(github))
    for repo in github.data.values():
        repo["stargazerCount"] += 1
    save, calls = GitHubStore.save_repos, []

    def dies_on_the_third_batch(self, found):
        calls.append(len(found))
        if len(calls) == 3:
            raise SystemExit("killed")
        save(self, found)

    monkeypatch.setattr(GitHubStore, "save_repos", dies_on_the_third_batch)
    with pytest.raises(SystemExit):
        refresh_health.fn(db, 1000, timing=FAST, endpoint=endpoint_for(github))

    assert calls == [100, 100, 50]
    refreshed = (
        "SELECT count(*) FROM raw_github_repositories "
        "WHERE stars = 3001 + CAST(substr(full_name, 4) AS INT)"
    )
    assert rows(db, refreshed) == [(200,)]  # the two batches read before the kill


def test_a_renamed_repository_replaces_its_old_row(github: GitHubData, tmp_path: Path) -> None:
    github.add_repository("old/name", 5000, "Go")
    github.add_repository("o/other", 4000, "Go")
    db = tmp_path / "w.duckdb"
    discover_repositories.fn(db, ["go"], 1000, timing=FAST, endpoint=endpoint_for(github))
    github.rename("old/name", "new/Name")

    result = refresh_health.fn(db, 1000, timing=FAST, endpoint=endpoint_for(github))

    assert result.repositories == 2 and result.failed == 0
    assert rows(
        db, "SELECT repo_id, full_name, node_id FROM raw_github_repositories ORDER BY 1"
    ) == [
        ("github:new/name", "new/Name", "R_1"),
        ("github:o/other", "o/other", "R_2"),
    ]
    found = discover_repositories.fn(
        db, ["go"], 1000, timing=FAST, endpoint=endpoint_for(github), full_after_days=0
    )
    assert found.repositories == 2 and count(db, "raw_github_repositories") == 2


def test_a_rename_moves_the_issue_cursor_issues_and_failures(
    github: GitHubData, tmp_path: Path
) -> None:
    github.add_repository("old/name", 5000, "Go")
    github.add_issues("old/name", 3)
    db = tmp_path / "w.duckdb"
    discover_repositories.fn(db, ["go"], 1000, timing=FAST, endpoint=endpoint_for(github))
    crawl_issues.fn(
        db,
        ["old/name"],
        50,
        timing=FAST,
        endpoint=endpoint_for(github),
    )
    store = GitHubStore(db)
    store.fail(["issues:old/name"], "HTTP 502 last time")
    store.fail(["repo:old/name"], "HTTP 502 last time")
    cursor = rows(db, "SELECT since FROM raw_github_cursors WHERE scope = 'issues:old/name'")
    github.rename("old/name", "new/name")

    refresh_health.fn(db, 1000, timing=FAST, endpoint=endpoint_for(github))

    scopes = "SELECT scope FROM raw_github_cursors WHERE scope LIKE 'issues:%'"
    assert rows(db, scopes) == [("issues:new/name",)]
    moved = "SELECT since FROM raw_github_cursors WHERE scope = 'issues:new/name'"
    assert rows(db, moved) == cursor
    # repo:new/name was read just now (its failure cleared); issues:new/name waits for issues
    assert rows(db, "SELECT scope, attempts FROM raw_github_fetch_failures") == [
        ("issues:new/name", 1)
    ]
    assert rows(db, "SELECT DISTINCT repo_full_name FROM raw_github_issues") == [("new/name",)]
    before = github.graphql_requests

    again = crawl_issues.fn(
        db,
        None,
        50,
        1000,
        timing=FAST,
        endpoint=endpoint_for(github),
    )

    assert again.failed == 0 and github.graphql_requests - before == 1  # "changed since?" only
    assert count(db, "raw_github_fetch_failures") == 0
    assert count(db, "raw_github_issues") == 3


def test_issues_closed_in_90_days_are_counted_exactly(github: GitHubData, tmp_path: Path) -> None:
    now = datetime.now(UTC)
    github.add_repository("o/a", 3000, "Go")
    github.add_issues("o/a", 3, state="CLOSED", closedAt=iso(now - timedelta(days=10)))
    # closed long ago but touched lately: "closed issues updated in 90 days" would count them
    old = iso(now - timedelta(days=120))
    github.add_issues("o/a", 2, start=10, state="CLOSED", closedAt=old)
    github.add_issues("o/a", 4, start=20)  # open
    db = tmp_path / "w.duckdb"

    discover_repositories.fn(db, ["go"], 1000, timing=FAST, endpoint=endpoint_for(github))

    closed = "SELECT issues_closed_90d, closed_issues FROM raw_github_repositories"
    assert rows(db, closed) == [(3, 5)]
    github.add_issues("o/a", 1, start=30, state="CLOSED", closedAt=iso(now - timedelta(days=1)))
    before = github.graphql_requests

    result = refresh_health.fn(db, 1000, timing=FAST, endpoint=endpoint_for(github))

    assert result.repositories == 1 and github.graphql_requests - before == 1  # same request
    assert rows(db, closed) == [(4, 6)]
    day = (now - timedelta(days=90)).date().isoformat()
    health = github.seen("POST /graphql")[-1].json["query"]
    assert f'search(type: ISSUE, query: "repo:o/a is:issue closed:>{day}", first: 1)' in health


def test_the_fake_refuses_issue_searches_it_does_not_support(github: GitHubData) -> None:
    document = '{ search(type: ISSUE, query: "repo:o/a is:pr", first: 1) { issueCount } }'
    answer = httpx.post(
        github.graphql_url, json={"query": document}, headers={"Authorization": f"Bearer {TOKEN}"}
    ).json()
    assert answer["data"] is None or answer["data"].get("search") is None
    assert "unsupported issue search" in answer["errors"][0]["message"]
    assert github.invalid_queries == [("repo:o/a is:pr", ["unsupported issue search in the fake"])]
    github.invalid_queries.clear()  # refused on purpose: the fixture checks nothing else was


def test_a_rediscovery_keeps_a_known_closed_count_when_its_search_fails(
    github: GitHubData, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    github.add_repository("o/a", 3000, "Go")
    github.add_issues("o/a", 3, state="CLOSED", closedAt=iso(now - timedelta(days=10)))
    db = tmp_path / "w.duckdb"
    discover_repositories.fn(db, ["go"], 1000, timing=FAST, endpoint=endpoint_for(github))
    closed = "SELECT stars, issues_closed_90d FROM raw_github_repositories"
    assert rows(db, closed) == [(3000, 3)]
    github.data["o/a"]["stargazerCount"] = 3100
    github.add_issues("o/a", 1, start=9, state="CLOSED", closedAt=iso(now - timedelta(days=1)))
    # the probe and the page go through; every closed-issue search after them fails
    failing = graphql_errors({"message": "Something went wrong"})
    github.inject("POST /graphql", Fault(status=None), Fault(status=None), *[failing] * 8)

    discover_repositories.fn(
        db,
        ["go"],
        1000,
        incremental=False,
        timing=FAST,
        endpoint=endpoint_for(github),
    )

    assert rows(db, closed) == [(3100, 3)]  # the page landed; the known count stayed
    assert "Closed" in github.seen("POST /graphql")[-1].json["query"]  # it was asked, and failed
