"""The GitHub source under faults: rate limits waited out (and said so), 502s and timeouts split
into smaller batches, truncated answers retried, a killed crawl resumed from its checkpoint."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.github.crawl import crawl_issues, discover_repositories, refresh_health
from tests.fakes.github_data import (
    GitHubData,
    graphql_rate_limited,
    secondary_limit,
    slow,
    truncated_json,
)
from tests.fakes.github_server import Fault, gateway_error, primary_rate_limit
from tests.github_source import FAST, TOKEN, count, endpoint_for, rows

GQL = "POST /graphql"


def _seed(github: GitHubData, repos: int, language: str = "Python") -> None:
    for i in range(repos):
        github.add_repository(f"o/r{i}", 2000 + i, language)
        github.add_issues(f"o/r{i}", 2)


def test_secondary_limit_waits_retry_after_and_says_so(
    github: GitHubData, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    _seed(github, 10)
    github.inject(GQL, secondary_limit(1, status=403))
    result = discover_repositories.fn(
        tmp_path / "w.duckdb",
        ["python"],
        1000,
        timing=FAST,
        endpoint=endpoint_for(github),
    )
    assert result.repositories == 10
    assert github.graphql_requests == 4 and github.refused_early == []  # +1: closed counts
    assert result.usage.waited_s >= 1.0
    err = capsys.readouterr().err
    assert "waiting 1.0s: secondary rate limit (HTTP 403, Retry-After)" in err
    assert TOKEN not in err


def test_primary_exhaustion_waits_until_the_reset(github: GitHubData, tmp_path: Path) -> None:
    _seed(github, 10)
    github.inject(GQL, primary_rate_limit(reset_in_s=1.0))
    result = discover_repositories.fn(
        tmp_path / "w.duckdb",
        ["python"],
        1000,
        timing=FAST,
        endpoint=endpoint_for(github),
    )
    assert result.repositories == 10 and github.refused_early == []
    assert [s.status for s in github.seen(GQL)] == [403, 200, 200, 200]


def test_graphql_rate_limited_in_a_200_answer(
    github: GitHubData, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    _seed(github, 10)
    github.inject(GQL, Fault(status=None), graphql_rate_limited(reset_in_s=1.0))
    result = discover_repositories.fn(
        tmp_path / "w.duckdb",
        ["python"],
        1000,
        timing=FAST,
        endpoint=endpoint_for(github),
    )
    assert result.repositories == 10 and github.graphql_requests == 4
    assert "GraphQL rate limit (RATE_LIMITED)" in capsys.readouterr().err


def test_a_502_on_a_large_batch_splits_it_in_halves(github: GitHubData, tmp_path: Path) -> None:
    _seed(github, 100, "Go")
    db = tmp_path / "w.duckdb"
    discover_repositories.fn(db, ["go"], 1000, timing=FAST, endpoint=endpoint_for(github))
    github.max_repositories = 30
    before = github.graphql_requests

    result = refresh_health.fn(db, 1000, timing=FAST, endpoint=endpoint_for(github))

    assert result.repositories == 100 and result.failed == 0
    statuses = [s.status for s in github.seen(GQL)[before:]]
    assert statuses == [502, 502, 200, 200, 502, 200, 200]  # 100 -> 50 -> 25+25, 50 -> 25+25


def test_search_pages_shrink_after_a_502(github: GitHubData, tmp_path: Path) -> None:
    _seed(github, 120, "Rust")
    github.max_repositories = 60
    db = tmp_path / "w.duckdb"
    result = discover_repositories.fn(
        db,
        ["rust"],
        1000,
        timing=FAST,
        endpoint=endpoint_for(github),
    )
    assert result.repositories == 120 == count(db, "raw_github_repositories")
    # probe, a page of 100 (502), three pages of 50, the closed counts of 100 + 20
    assert [s.status for s in github.seen(GQL)] == [200, 502] + [200] * 5


def test_truncated_json_is_retried(github: GitHubData, tmp_path: Path) -> None:
    _seed(github, 5)
    github.inject(GQL, truncated_json())
    result = crawl_issues.fn(
        tmp_path / "w.duckdb",
        [f"o/r{i}" for i in range(5)],
        50,
        timing=FAST,
        endpoint=endpoint_for(github),
    )
    assert result.issues == 10 and github.graphql_requests == 2


def test_a_slow_batch_is_split_a_slow_probe_retried(github: GitHubData, tmp_path: Path) -> None:
    _seed(github, 6)
    # 1.5 s: an answer of the fake takes over 0.3 s when `make test` loads both cores
    timing = FAST.model_copy(update={"timeout_s": 1.5})
    github.inject(GQL, slow(3.0))  # the issue batch of 6 times out: 3 + 3
    result = crawl_issues.fn(
        tmp_path / "w.duckdb",
        [f"o/r{i}" for i in range(6)],
        50,
        timing=timing,
        endpoint=endpoint_for(github),
    )
    assert result.issues == 12 and github.graphql_requests == 3
    github.inject(GQL, slow(3.0))  # the count probe is not a batch: retried as it is
    found = discover_repositories.fn(
        tmp_path / "w.duckdb", ["python"], 1000, timing=timing, endpoint=endpoint_for(github)
    )
    assert found.repositories == 6


def test_a_repository_that_keeps_failing_is_recorded(github: GitHubData, tmp_path: Path) -> None:
    _seed(github, 2)
    github.inject(GQL, *[gateway_error(503, apply=False)] * 4)  # 1 try + 3 retries
    db = tmp_path / "w.duckdb"
    result = crawl_issues.fn(
        db,
        ["o/r0", "o/r1"],
        50,
        timing=FAST,
        endpoint=endpoint_for(github),
    )
    assert result.failed == 2 and count(db, "raw_github_issues") == 0
    found = rows(db, "SELECT scope, attempts, error FROM raw_github_fetch_failures ORDER BY 1")
    assert [(s, a) for s, a, _ in found] == [("issues:o/r0", 1), ("issues:o/r1", 1)]
    assert "HTTP 503" in found[0][2] and TOKEN not in found[0][2]
    again = crawl_issues.fn(
        db, None, 50, timing=FAST, endpoint=endpoint_for(github)
    )  # the next crawl retries them
    assert again.issues == 4 and count(db, "raw_github_fetch_failures") == 0


def test_a_killed_discovery_resumes_from_its_checkpoint(github: GitHubData, tmp_path: Path) -> None:
    _seed(github, 350, "Java")
    db = tmp_path / "w.duckdb"
    # the probe and two pages go through; then the third page fails past every retry
    github.inject(GQL, *[Fault(status=None)] * 3, *[gateway_error(503, apply=False)] * 4)
    first = discover_repositories.fn(
        db,
        ["java"],
        1000,
        timing=FAST,
        endpoint=endpoint_for(github),
    )
    assert first.repositories == 200 and first.failed == 1
    assert count(db, "raw_github_repositories") == 200
    before = github.graphql_requests

    resumed = discover_repositories.fn(
        db,
        ["java"],
        1000,
        timing=FAST,
        endpoint=endpoint_for(github),
    )

    assert resumed.repositories == 150 and resumed.failed == 0
    # the probe, then pages 3 and 4 only, and their 150 closed-issue counts (100 a request)
    assert github.graphql_requests - before == 5
    assert count(db, "raw_github_repositories") == 350
    assert count(db, "raw_github_fetch_failures") == 0
    scopes = rows(db, "SELECT scope FROM raw_github_cursors ORDER BY 1")
    assert scopes == [("discover-full:java:1000",), ("discover:java:1000",)]


def test_a_secondary_limit_without_retry_after_waits_the_configured_minute(
    github: GitHubData, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    _seed(github, 3)
    message = {"message": "You have exceeded a secondary rate limit.", "documentation_url": "x"}
    github.inject(GQL, Fault(status=403, body=message))
    timing = FAST.model_copy(update={"secondary_wait_s": 0.2})
    result = discover_repositories.fn(
        tmp_path / "w.duckdb", ["python"], 1000, timing=timing, endpoint=endpoint_for(github)
    )
    assert result.repositories == 3 and github.graphql_requests == 4
    assert (
        "waiting 0.2s: secondary rate limit (HTTP 403, no Retry-After)" in capsys.readouterr().err
    )


def test_an_issue_crawl_killed_after_one_batch_resumes_without_duplicates(
    github: GitHubData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from warehouse.io.github_store import GitHubStore

    names = [f"o/r{i}" for i in range(120)]
    _seed(github, 120)
    db = tmp_path / "w.duckdb"
    save, calls = GitHubStore.save_issues, []

    def dies_on_the_second_batch(self, done, since):
        calls.append(len(done))
        if len(calls) == 2:
            raise SystemExit("killed")
        save(self, done, since)

    monkeypatch.setattr(GitHubStore, "save_issues", dies_on_the_second_batch)
    with pytest.raises(SystemExit):
        crawl_issues.fn(db, names, 50, timing=FAST, endpoint=endpoint_for(github))
    monkeypatch.setattr(GitHubStore, "save_issues", save)
    assert count(db, "raw_github_issues") == 100
    before = github.graphql_requests

    resumed = crawl_issues.fn(db, names, 50, timing=FAST, endpoint=endpoint_for(github))

    # one check for the 50 done (nothing changed), then the 70 others in two batches
    assert github.graphql_requests - before == 3 and resumed.repositories == 70
    assert count(db, "raw_github_issues") == 240
    assert rows(db, "SELECT count(*) FROM raw_github_cursors WHERE scope LIKE 'issues:%'") == [
        (120,)
    ]
