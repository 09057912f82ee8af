"""Discovery and health against the data fake: warehouse rows and the requests they took."""

from __future__ import annotations

from pathlib import Path

from tasks.github.crawl import discover_repositories, refresh_health
from tasks.github.discovery import StarRange
from tests.fakes.github_data import GitHubData
from tests.github_source import FAST, count, endpoint_for, rows


def test_discovery_lands_health_signals_in_one_query(github: GitHubData, tmp_path: Path) -> None:
    github.add_repository("psf/requests", 52000, "Python")
    github.add_repository("pallets/flask", 68000, "Python", ci="FAILURE", license=None)
    github.add_repository("small/thing", 900, "Python")
    github.add_repository("golang/go", 120000, "Go")
    db = tmp_path / "w.duckdb"

    result = discover_repositories.fn(
        db,
        ["python"],
        1000,
        timing=FAST,
        endpoint=endpoint_for(github),
    )

    assert result.repositories == 2 and result.failed == 0
    # one count probe, one page with every health field, the page's closed-issue counts
    assert github.graphql_requests == 3
    found = rows(
        db,
        "SELECT repo_id, full_name, stars, license, ci_state, commits_90d, authors_90d, "
        "open_issues, has_codeowners, payload->>'nameWithOwner' "
        "FROM raw_github_repositories ORDER BY stars",
    )
    assert found == [
        ("github:psf/requests", "psf/requests", 52000, "MIT", "SUCCESS", 5, 3, 0, False,
         "psf/requests"),
        ("github:pallets/flask", "pallets/flask", 68000, None, "FAILURE", 5, 3, 0, False,
         "pallets/flask"),
    ]  # fmt: skip
    assert result.usage.requests == 3 and result.usage.points >= 3


def test_star_ranges_reach_past_the_1000_result_cap(github: GitHubData, tmp_path: Path) -> None:
    for i in range(1500):
        github.add_repository(f"o/r{i}", 1001 + i * 2, "Rust")
    db = tmp_path / "w.duckdb"

    result = discover_repositories.fn(
        db,
        ["rust"],
        1000,
        timing=FAST,
        endpoint=endpoint_for(github),
    )

    assert result.repositories == 1500
    assert count(db, "raw_github_repositories") == 1500
    assert github.graphql_requests <= 2 * 15 + 2 + 2  # pages, their closed counts, probes
    assert github.graphql_requests / 1500 <= 0.05


def test_unchanged_recrawl_asks_only_what_was_pushed_since(
    github: GitHubData, tmp_path: Path
) -> None:
    for i in range(300):
        github.add_repository(f"o/r{i}", 2000 + i, ["Python", "Go"][i % 2])
    db = tmp_path / "w.duckdb"
    discover_repositories.fn(
        db,
        ["python", "go"],
        1000,
        timing=FAST,
        endpoint=endpoint_for(github),
    )
    before = github.graphql_requests

    again = discover_repositories.fn(
        db,
        ["python", "go"],
        1000,
        timing=FAST,
        endpoint=endpoint_for(github),
    )

    assert again.repositories == 0
    assert github.graphql_requests - before == 1  # both languages probed in one request
    assert count(db, "raw_github_repositories") == 300


def test_limit_stops_early(github: GitHubData, tmp_path: Path) -> None:
    for i in range(250):
        github.add_repository(f"o/r{i}", 5000 + i, "Java")
    db = tmp_path / "w.duckdb"
    result = discover_repositories.fn(
        db,
        ["java"],
        1000,
        limit=30,
        timing=FAST,
        endpoint=endpoint_for(github),
    )
    assert result.repositories == 30 == count(db, "raw_github_repositories")
    assert github.graphql_requests == 3


def test_health_refresh_batches_known_repositories(github: GitHubData, tmp_path: Path) -> None:
    for i in range(150):
        github.add_repository(f"o/r{i}", 3000 + i, "Go")
    db = tmp_path / "w.duckdb"
    discover_repositories.fn(db, ["go"], 1000, timing=FAST, endpoint=endpoint_for(github))
    github.data["o/r7"]["stargazerCount"] = 99999
    del github.data["o/r8"]
    before = github.graphql_requests

    result = refresh_health.fn(db, 1000, timing=FAST, endpoint=endpoint_for(github))

    assert github.graphql_requests - before == 2  # 150 repositories, 100 a request
    assert result.repositories == 149 and result.failed == 1
    assert rows(db, "SELECT stars FROM raw_github_repositories WHERE full_name = 'o/r7'") == [
        (99999,)
    ]
    assert rows(db, "SELECT scope, attempts FROM raw_github_fetch_failures") == [("repo:o/r8", 1)]


def test_health_keeps_the_found_when_github_answers_not_found(
    github: GitHubData, tmp_path: Path
) -> None:
    for i in range(5):
        github.add_repository(f"o/r{i}", 3000 + i, "Go")
    db = tmp_path / "w.duckdb"
    discover_repositories.fn(db, ["go"], 1000, timing=FAST, endpoint=endpoint_for(github))
    gone = github.data.pop("o/r2")["id"]
    github.data["o/r4"]["stargazerCount"] = 7777
    before = len(github.requests)

    result = refresh_health.fn(db, 1000, timing=FAST, endpoint=endpoint_for(github))

    answer = github.requests[before:]
    assert [seen.status for seen in answer] == [200]  # one request, HTTP 200, partial data
    assert result.repositories == 4 and result.failed == 1
    assert rows(db, "SELECT stars FROM raw_github_repositories WHERE full_name = 'o/r4'") == [
        (7777,)
    ]
    failures = rows(db, "SELECT scope, error FROM raw_github_fetch_failures")
    assert failures == [
        ("repo:o/r2", f"Could not resolve to a node with the global id of '{gone}'.")
    ]


def test_fake_nodes_answers_not_found_like_github(github: GitHubData) -> None:
    import httpx

    from tests.github_source import TOKEN

    github.add_repository("o/here", 3000, "Go")
    document = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
    answer = httpx.post(
        github.graphql_url,
        json={"query": document, "variables": {"ids": ["R_1", "R_404"]}},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["data"] == {"nodes": [{"id": "R_1"}, None]}
    assert [(e["type"], e["path"]) for e in body["errors"]] == [("NOT_FOUND", ["nodes", 1])]


def test_a_full_discovery_again_after_a_week(github: GitHubData, tmp_path: Path) -> None:
    github.add_repository("o/old", 5000, "Go")
    db = tmp_path / "w.duckdb"
    discover_repositories.fn(db, ["go"], 1000, timing=FAST, endpoint=endpoint_for(github))
    github.add_repository("o/rising", 1500, "Go", pushedAt="2020-01-01T00:00:00Z")
    assert (
        discover_repositories.fn(
            db,
            ["go"],
            1000,
            timing=FAST,
            endpoint=endpoint_for(github),
        ).repositories
        == 0
    )
    found = discover_repositories.fn(
        db, ["go"], 1000, timing=FAST, endpoint=endpoint_for(github), full_after_days=0
    )
    assert found.repositories == 2


def test_an_open_range_from_zero_or_below_still_shrinks() -> None:
    """`--min-stars -1` plans from `stars:>=0`: doubling 0 gave `0..-1` and `>=0` again, so
    planning probed the same range until the rate limit ran out."""
    for low in (0, -4):
        first, rest = StarRange("go", low, None).halves()
        assert (first.low, first.high) == (0, 0)
        assert (rest.low, rest.high) == (1, None)
    assert [(r.low, r.high) for r in StarRange("go", 1, None).halves()] == [(1, 1), (2, None)]
    ranges, todo = [], [StarRange("go", -1, None)]
    while todo and len(ranges) < 40:  # split the open top range a few times: always narrower
        top = todo.pop().halves()
        ranges.append(top[0])
        todo.append(top[1])
    assert todo[0].low >= 2**38 and all(r.high is not None and r.high >= r.low for r in ranges)
