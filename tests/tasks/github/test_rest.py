"""Conditional REST against the data fake: a 304 reuses the stored body; lists page by Link."""

from __future__ import annotations

import time
from pathlib import Path

from tasks.github.crawl import fetch_issue
from tasks.github.http import client_for
from tasks.github.rest import RestReader
from tests.fakes.github_data import GitHubData
from tests.github_source import config_for, count, endpoint_for
from warehouse.io.http_cache import HttpCache


def _reader(db: Path, fake: GitHubData) -> RestReader:
    config = config_for(fake)
    return RestReader(client_for(config), config, HttpCache(db))


def test_an_unchanged_resource_is_answered_304_and_read_from_the_cache(
    github: GitHubData, tmp_path: Path
) -> None:
    github.add_repository("psf/requests", 52000)
    db, url = tmp_path / "w.duckdb", f"{github.base_url}/repos/psf/requests"

    first, _ = _reader(db, github).get(url, "repository")
    reader = _reader(db, github)
    again, response = reader.get(url, "repository")

    assert first == again and again["stargazers_count"] == 52000
    assert response.status_code == 304 and reader.not_modified == 1
    seen = github.seen("GET /repo")
    assert [s.status for s in seen] == [200, 304]
    assert seen[1].headers["If-None-Match"].startswith('W/"')
    assert "If-Modified-Since" in seen[1].headers
    github.data["psf/requests"]["stargazerCount"] = 53000
    changed, response = _reader(db, github).get(url, "repository")
    assert response.status_code == 200 and changed["stargazers_count"] == 53000


def test_many_pages_by_link_then_all_304(github: GitHubData, tmp_path: Path) -> None:
    github.add_repository("o/r", 5000)
    github.add_issues("o/r", 250)
    db, url = tmp_path / "w.duckdb", f"{github.base_url}/repos/o/r/issues"

    pages = list(_reader(db, github).pages(url, "issues"))
    assert [len(p) for p in pages] == [100, 100, 50]
    assert count(db, "raw_http_cache") == 3

    reader = _reader(db, github)
    again = list(reader.pages(url, "issues"))
    assert again == pages and reader.not_modified == 3 == reader.requests
    assert [s.status for s in github.seen("GET /issues")] == [200, 200, 200, 304, 304, 304]


def test_fetch_issue_reads_conditionally_with_a_warehouse(
    github: GitHubData, tmp_path: Path
) -> None:
    github.add_repository("acme/core", 5000)
    github.add_issues("acme/core", 2)
    db, url = tmp_path / "w.duckdb", "https://github.com/acme/core/issues/2"
    first, again = (fetch_issue.fn(url, db, endpoint_for(github)) for _ in range(2))
    assert first == again and first.title == "Issue 2 of acme/core"
    assert [s.status for s in github.seen("GET /data-issue")] == [200, 304]


def test_a_spent_rest_budget_is_waited_out_before_the_next_request(
    github: GitHubData, tmp_path: Path, caplog
) -> None:
    github.add_repository("o/a", 3000)
    github.add_repository("o/b", 3000)
    github.rest_remaining, github.rest_reset = 1, int(time.time()) + 2
    reset = github.rest_reset
    reader = _reader(tmp_path / "w.duckdb", github)

    first, _ = reader.get(f"{github.base_url}/repos/o/a", "repository")
    second, _ = reader.get(f"{github.base_url}/repos/o/b", "repository")

    assert (first["full_name"], second["full_name"]) == ("o/a", "o/b")
    assert github.rate_limited == 0 and reader.requests == 2  # waited, never refused
    assert [s.status for s in github.seen("GET /repo")] == [200, 200]
    assert time.time() >= reset
    assert "primary rate limit spent (X-RateLimit-Remaining: 0)" in caplog.text
