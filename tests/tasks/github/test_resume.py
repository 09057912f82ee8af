"""A discovery killed mid-way resumes from the same `search:` checkpoints: the split ranges do
not depend on what the first probe saw (top star count, the current second)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tasks.github.crawl import discover_repositories
from tests.fakes.github_data import GitHubData, iso
from tests.github_source import FAST, count, endpoint_for, rows
from warehouse.io.github_store import GitHubStore


def _killed_after_pages(db: Path, language: str, pages: int, monkeypatch, github, **given) -> int:
    """Run a discovery that dies while saving page `pages + 1`; the rows it landed."""
    save, calls = GitHubStore.save_page, []

    def dies(self, scope, cursor, done, found):
        calls.append(scope)
        if len(calls) > pages:
            raise SystemExit("killed")
        save(self, scope, cursor, done, found)

    monkeypatch.setattr(GitHubStore, "save_page", dies)
    with pytest.raises(SystemExit):
        discover_repositories.fn(
            db, [language], 1000, timing=FAST, endpoint=endpoint_for(github), **given
        )
    monkeypatch.setattr(GitHubStore, "save_page", save)
    landed = count(db, "raw_github_repositories")
    assert landed > 0
    return landed


def _no_leftovers(db: Path) -> None:
    assert count(db, "raw_github_fetch_failures") == 0
    assert rows(db, "SELECT count(*) FROM raw_github_cursors WHERE scope LIKE 'search:%'") == [(0,)]
    plans = "SELECT count(*) FROM raw_github_cursors WHERE scope LIKE 'discover-plan:%'"
    assert rows(db, plans) == [(0,)]


def test_the_top_star_range_stays_open_and_resumes(
    github: GitHubData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(1500):
        github.add_repository(f"o/r{i}", 1001 + i * 2, "Rust")
    db = tmp_path / "w.duckdb"
    first = _killed_after_pages(db, "rust", 2, monkeypatch, github)
    github.data["o/r1499"]["stargazerCount"] = 250_000  # the most popular one gains stars

    resumed = discover_repositories.fn(
        db,
        ["rust"],
        1000,
        timing=FAST,
        endpoint=endpoint_for(github),
    )

    assert resumed.repositories == 1500 - first  # the done pages are not read again
    assert count(db, "raw_github_repositories") == 1500
    assert rows(db, "SELECT stars FROM raw_github_repositories WHERE full_name = 'o/r1499'") == [
        (250_000,)
    ]
    _no_leftovers(db)


def _same_stars_rust(github: GitHubData) -> None:
    """1,500 repositories with one star count: only creation-date ranges can split them."""
    start = datetime(2015, 1, 1, tzinfo=UTC)
    for i in range(1500):
        github.add_repository(f"o/same{i}", 5000, "Rust", createdAt=iso(start + timedelta(days=i)))


def test_date_split_ranges_resume_and_reach_new_repositories(
    github: GitHubData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _same_stars_rust(github)
    db = tmp_path / "w.duckdb"
    first = _killed_after_pages(db, "rust", 2, monkeypatch, github)
    time.sleep(1.1)  # a later second: the ranges must not end at "now"
    github.add_repository("o/brand-new", 5000, "Rust", createdAt=iso(datetime.now(UTC)))

    resumed = discover_repositories.fn(
        db,
        ["rust"],
        1000,
        timing=FAST,
        endpoint=endpoint_for(github),
    )

    assert resumed.repositories == 1501 - first
    assert count(db, "raw_github_repositories") == 1501
    _no_leftovers(db)


def test_a_resume_on_the_next_utc_day_keeps_the_planned_ranges(
    github: GitHubData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _same_stars_rust(github)
    db = tmp_path / "w.duckdb"
    monday = datetime(2026, 11, 23, 23, 59, tzinfo=UTC)
    first = _killed_after_pages(db, "rust", 2, monkeypatch, github, today=monday)
    planned = {s.json["variables"].get("q") for s in github.seen("POST /graphql")} - {None}
    before = len(github.seen("POST /graphql"))

    resumed = discover_repositories.fn(
        db,
        ["rust"],
        1000,
        timing=FAST,
        endpoint=endpoint_for(github),
        today=monday + timedelta(minutes=2),  # Tuesday
    )

    assert resumed.repositories == 1500 - first  # the done ranges are not read again
    assert count(db, "raw_github_repositories") == 1500
    searched = {s.json["variables"].get("q") for s in github.seen("POST /graphql")[before:]}
    assert searched - {None} <= planned | _later_ranges(github, before)
    _no_leftovers(db)


def _later_ranges(github: GitHubData, before: int) -> set[str]:
    """Ranges the killed crawl had planned but not reached: its probes' queries."""
    found = set()
    for seen in github.seen("POST /graphql")[:before]:
        for line in seen.json["query"].splitlines():
            if 'search(query: "' in line:
                found.add(line.split('search(query: "', 1)[1].split('"', 1)[0])
    return found


def test_a_resume_asks_the_closed_counts_the_killed_run_never_got(
    github: GitHubData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = datetime.now(UTC)
    for i in range(150):
        github.add_repository(f"o/r{i}", 2000 + i, "Go")
        github.add_issues(f"o/r{i}", 1 + i % 3, state="CLOSED", closedAt=iso(now - timedelta(1)))
    db = tmp_path / "w.duckdb"
    _killed_after_pages(
        db, "go", 1, monkeypatch, github
    )  # its page landed, its counts were not asked

    discover_repositories.fn(db, ["go"], 1000, timing=FAST, endpoint=endpoint_for(github))

    closed = "SELECT full_name, issues_closed_90d FROM raw_github_repositories"
    assert dict(rows(db, closed)) == {f"o/r{i}": 1 + i % 3 for i in range(150)}
    _no_leftovers(db)
