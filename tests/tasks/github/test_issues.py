"""Issues against the data fake: first crawl, the incremental re-crawl, and what it costs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tasks.github.crawl import crawl_issues, discover_repositories
from tests.fakes.github_data import GitHubData, iso
from tests.github_source import FAST, count, endpoint_for, rows


def _seed(github: GitHubData, repos: int, issues: int) -> None:
    for i in range(repos):
        github.add_repository(f"o/r{i}", 2000 + i, "Python")
        github.add_issues(f"o/r{i}", issues)


def test_open_issues_with_their_signals(github: GitHubData, tmp_path: Path) -> None:
    github.add_repository("psf/requests", 52000)
    github.add_issues("psf/requests", 3)
    github.data["psf/requests"]["issues"][2]["state"] = "CLOSED"
    db = tmp_path / "w.duckdb"

    result = crawl_issues.fn(
        db,
        ["psf/requests"],
        50,
        timing=FAST,
        endpoint=endpoint_for(github),
    )

    assert result.issues == 2 and github.graphql_requests == 1
    assert rows(
        db,
        "SELECT issue_id, repo_full_name, number, state, labels, reactions, comments, "
        "author_association, linked_pull_requests, url FROM raw_github_issues ORDER BY number",
    ) == [
        ("I_R_1_1", "psf/requests", 1, "OPEN", ["bug"], 1, 1, "CONTRIBUTOR", 0,
         "https://github.com/psf/requests/issues/1"),
        ("I_R_1_2", "psf/requests", 2, "OPEN", ["enhancement", "help wanted"], 2, 2,
         "CONTRIBUTOR", 0, "https://github.com/psf/requests/issues/2"),
    ]  # fmt: skip
    assert rows(db, "SELECT scope, done FROM raw_github_cursors") == [("issues:psf/requests", True)]


def test_linked_pull_requests_are_stored_with_number_state_and_url(
    github: GitHubData, tmp_path: Path
) -> None:
    github.add_repository("o/a", 3000)
    github.add_issues("o/a", 2)
    github.data["o/a"]["issues"][0]["linked"] = [
        {"number": 7, "state": "MERGED"},
        {"number": 9, "state": "CLOSED"},
    ]
    db = tmp_path / "w.duckdb"

    crawl_issues.fn(db, ["o/a"], 50, timing=FAST, endpoint=endpoint_for(github))

    found = rows(
        db,
        "SELECT number, linked_pull_requests, linked_pulls::VARCHAR "
        "FROM raw_github_issues ORDER BY number",
    )
    assert found == [
        (1, 2, '[{"number": 7, "state": "MERGED", "url": "https://github.com/o/a/pull/7"}, '
               '{"number": 9, "state": "CLOSED", "url": "https://github.com/o/a/pull/9"}]'),
        (2, 0, "[]"),
    ]  # fmt: skip


def test_many_repositories_per_request_and_max_issues(github: GitHubData, tmp_path: Path) -> None:
    _seed(github, 120, 8)
    db = tmp_path / "w.duckdb"
    discover_repositories.fn(
        db,
        ["python"],
        1000,
        timing=FAST,
        endpoint=endpoint_for(github),
    )
    before = github.graphql_requests

    result = crawl_issues.fn(db, None, 5, timing=FAST, endpoint=endpoint_for(github))

    assert github.graphql_requests - before == 3  # 120 repositories, 50 a request
    assert result.issues == 600 == count(db, "raw_github_issues")
    per_repo = (
        "SELECT max(n) FROM (SELECT count(*) n FROM raw_github_issues GROUP BY repo_full_name)"
    )
    assert rows(db, per_repo) == [(5,)]


def test_issues_past_one_page_follow_the_cursor(github: GitHubData, tmp_path: Path) -> None:
    _seed(github, 2, 130)
    db = tmp_path / "w.duckdb"
    result = crawl_issues.fn(
        db,
        ["o/r0", "o/r1"],
        250,
        timing=FAST,
        endpoint=endpoint_for(github),
    )
    assert result.issues == 260 == count(db, "raw_github_issues")
    assert github.graphql_requests == 2  # 100 each, then the other 30 each


def test_recrawl_reads_only_what_changed(github: GitHubData, tmp_path: Path) -> None:
    _seed(github, 60, 4)
    db = tmp_path / "w.duckdb"
    names = [f"o/r{i}" for i in range(60)]
    crawl_issues.fn(db, names, 50, timing=FAST, endpoint=endpoint_for(github))
    before = github.graphql_requests

    unchanged = crawl_issues.fn(db, names, 50, timing=FAST, endpoint=endpoint_for(github))
    assert github.graphql_requests - before == 1  # one "changed since" check for all 60
    assert unchanged.issues == 0

    later = iso(datetime.now(UTC) + timedelta(seconds=5))
    github.data["o/r3"]["issues"][0].update(state="CLOSED", updatedAt=later, closedAt=later)
    github.add_issues("o/r4", 1, start=99, updatedAt=later)
    before = github.graphql_requests
    changed = crawl_issues.fn(db, names, 50, timing=FAST, endpoint=endpoint_for(github))

    assert github.graphql_requests - before == 2  # the check, then the two repositories
    assert changed.issues == 2 and changed.repositories == 2
    assert count(db, "raw_github_issues") == 241  # no duplicates
    assert rows(db, "SELECT state FROM raw_github_issues WHERE issue_id = 'I_R_4_1'") == [
        ("CLOSED",)
    ]


def test_a_missing_repository_is_recorded_and_retried(github: GitHubData, tmp_path: Path) -> None:
    _seed(github, 3, 2)
    db = tmp_path / "w.duckdb"
    result = crawl_issues.fn(
        db,
        ["o/r0", "gone/away", "o/r2"],
        50,
        timing=FAST,
        endpoint=endpoint_for(github),
    )
    assert result.issues == 4 and result.failed == 1
    assert rows(db, "SELECT scope, attempts FROM raw_github_fetch_failures") == [
        ("issues:gone/away", 1)
    ]
    github.add_repository("gone/away", 5000)
    github.add_issues("gone/away", 1)
    discover_repositories.fn(
        db,
        ["python"],
        1000,
        timing=FAST,
        endpoint=endpoint_for(github),
    )
    crawl_issues.fn(
        db, None, 50, timing=FAST, endpoint=endpoint_for(github)
    )  # known ones and last crawl's failures
    assert count(db, "raw_github_fetch_failures") == 0
    assert count(db, "raw_github_issues") == 7


def test_recrawl_reads_every_change_past_max_issues(github: GitHubData, tmp_path: Path) -> None:
    """A `since` re-crawl is not capped by max_issues: its cursor moves past all it skipped."""
    _seed(github, 1, 12)
    db = tmp_path / "w.duckdb"
    crawl_issues.fn(db, ["o/r0"], 5, timing=FAST, endpoint=endpoint_for(github))
    later = iso(datetime.now(UTC) + timedelta(seconds=5))
    for issue in github.data["o/r0"]["issues"]:
        issue.update(state="CLOSED", updatedAt=later, closedAt=later)

    changed = crawl_issues.fn(db, ["o/r0"], 5, timing=FAST, endpoint=endpoint_for(github))

    assert changed.issues == 12
    assert rows(db, "SELECT count(*), min(state) FROM raw_github_issues") == [(12, "CLOSED")]


def test_values_written_into_queries_are_valid_graphql_strings() -> None:
    """One quoting helper for every value written into a document: quotes, backslashes,
    newlines and control characters must come back from a GraphQL parser unchanged."""
    from graphql import parse

    from tasks.github.graphql import graphql_string
    from tasks.github.health import closed_fields

    for text in ["plain", 'say "hi"', "back\\slash", "two\nlines\r", "tab\tbell\x07", "é ✓ 𝄞"]:
        document = parse(f"{{ f(a: {graphql_string(text)}) }}")
        argument = document.definitions[0].selection_set.selections[0].arguments[0]
        assert argument.value.value == text
    fields = closed_fields(['o/we"ird\nname'], datetime(2026, 11, 1, tzinfo=UTC))
    search = parse(f"{{ {fields} }}").definitions[0].selection_set.selections[0]
    assert search.arguments[1].value.value.startswith('repo:o/we"ird\nname is:issue')
