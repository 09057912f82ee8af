"""Backing off before splitting, and rate-limit waits that end: a limit that never lifts fails
the request (recorded, the crawl goes on) instead of looping forever."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from tasks.github.crawl import crawl_issues, discover_repositories, refresh_health
from tasks.github.http import client_for, http_get
from tests.fakes.github_data import LIMIT, GitHubData, graphql_rate_limited
from tests.fakes.github_server import Fault, gateway_error, primary_rate_limit
from tests.github_source import FAST, config_for, count, endpoint_for, rows

GQL = "POST /graphql"
SECONDARY = {"message": "You have exceeded a secondary rate limit.", "documentation_url": "x"}


def _seed(github: GitHubData, repos: int) -> None:
    for i in range(repos):
        github.add_repository(f"o/r{i}", 2000 + i, "Go")
        github.add_issues(f"o/r{i}", 2)


def test_a_batch_of_one_survives_a_502(github: GitHubData, tmp_path: Path) -> None:
    _seed(github, 1)
    github.inject(GQL, gateway_error(502, apply=False))
    result = crawl_issues.fn(
        tmp_path / "w.duckdb",
        ["o/r0"],
        50,
        timing=FAST,
        endpoint=endpoint_for(github),
    )
    assert result.issues == 2 and result.failed == 0
    assert [s.status for s in github.seen(GQL)] == [502, 200]


def test_halving_waits_with_jitter_first(
    github: GitHubData, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    _seed(github, 100)
    db = tmp_path / "w.duckdb"
    discover_repositories.fn(db, ["go"], 1000, timing=FAST, endpoint=endpoint_for(github))
    github.max_repositories = 30
    capsys.readouterr()

    result = refresh_health.fn(db, 1000, timing=FAST, endpoint=endpoint_for(github))

    assert result.repositories == 100 and result.failed == 0
    assert capsys.readouterr().err.count("batch of") == 3  # one wait per 502
    assert result.usage.waited_s > 0


def test_retry_after_again_and_again_gives_up_and_records(
    github: GitHubData, tmp_path: Path
) -> None:
    _seed(github, 2)
    db = tmp_path / "w.duckdb"
    github.inject(GQL, *[Fault(status=403, body=SECONDARY, headers={"Retry-After": "0"})] * 6)

    result = crawl_issues.fn(
        db,
        ["o/r0", "o/r1"],
        50,
        timing=FAST,
        endpoint=endpoint_for(github),
    )

    assert result.failed == 2 and github.graphql_requests == 6  # 1 + max_rate_waits (5)
    assert rows(db, "SELECT scope FROM raw_github_fetch_failures ORDER BY 1") == [
        ("issues:o/r0",),
        ("issues:o/r1",),
    ]
    assert (
        crawl_issues.fn(db, None, 50, timing=FAST, endpoint=endpoint_for(github)).issues == 4
    )  # the failures, next crawl
    assert count(db, "raw_github_fetch_failures") == 0


def test_rate_limited_with_a_reset_in_the_past_gives_up(github: GitHubData, tmp_path: Path) -> None:
    _seed(github, 2)
    db = tmp_path / "w.duckdb"
    github.inject(GQL, *[graphql_rate_limited(reset_in_s=-120)] * 6)
    result = crawl_issues.fn(
        db,
        ["o/r0", "o/r1"],
        50,
        timing=FAST,
        endpoint=endpoint_for(github),
    )
    assert result.failed == 2 and github.graphql_requests == 6


def test_retry_after_as_an_http_date(github: GitHubData, tmp_path: Path) -> None:
    _seed(github, 1)
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=1), usegmt=True)
    github.inject(GQL, Fault(status=429, body=SECONDARY, headers={"Retry-After": when}))
    result = crawl_issues.fn(
        tmp_path / "w.duckdb",
        ["o/r0"],
        50,
        timing=FAST,
        endpoint=endpoint_for(github),
    )
    assert result.issues == 2 and [s.status for s in github.seen(GQL)] == [429, 200]


def test_rest_waits_a_primary_reset_past_the_retry_after_cap(github: GitHubData) -> None:
    github.add_repository("psf/requests", 52000)
    config = config_for(github).model_copy(
        update={"retry_after_cap_s": 0.1, "backoff_s": 0.01, "max_backoff_s": 0.05}
    )
    github.inject("GET /repo", primary_rate_limit(reset_in_s=1.0))
    with client_for(config) as client:
        url = f"{github.base_url}/repos/psf/requests"
        response = http_get(client, config, url, "repository")
    assert response.json()["stargazers_count"] == 52000
    assert [s.status for s in github.seen("GET /repo")] == [403, 200]
    assert github.refused_early == []


def test_a_spent_budget_is_waited_out_before_the_next_request(
    github: GitHubData, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    _seed(github, 10)
    github.points_used = LIMIT - 1  # the first query spends the hour's last point
    github.reset_at = int(time.time()) + 2
    reset = github.reset_at

    result = discover_repositories.fn(
        tmp_path / "w.duckdb",
        ["go"],
        1000,
        timing=FAST,
        endpoint=endpoint_for(github),
    )

    assert result.repositories == 10 and result.failed == 0
    assert github.rate_limited == 0  # never refused: it waited before asking
    assert [s.status for s in github.seen(GQL)] == [200, 200, 200]
    assert result.usage.waited_s >= 0.5  # until the reset, 1-2 s after the start
    err = " ".join(capsys.readouterr().err.split())  # the console wraps long lines
    assert (
        "primary rate limit spent (X-RateLimit-Remaining: 0); "
        "waiting for the reset before the next request"
    ) in err
    assert time.time() >= reset


def test_a_spent_budget_past_max_wait_fails_without_asking(
    github: GitHubData, tmp_path: Path
) -> None:
    _seed(github, 3)
    github.points_used = LIMIT - 1
    timing = FAST.model_copy(update={"max_wait_s": 0.5})  # the reset is an hour away

    result = discover_repositories.fn(
        tmp_path / "w.duckdb", ["go"], 1000, timing=timing, endpoint=endpoint_for(github)
    )

    assert result.failed == 1 and github.rate_limited == 0
    assert github.graphql_requests == 1  # the probe only: nothing sent to be refused
    failure = rows(tmp_path / "w.duckdb", "SELECT error FROM raw_github_fetch_failures")
    assert "would wait" in failure[0][0] and "over the limit" in failure[0][0]
