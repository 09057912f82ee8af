"""The selection rule (stars OR dependents) on refresh, and the search cap past one star count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tasks.github.crawl import crawl_issues, discover_repositories, refresh_health, repo_dependents
from tasks.github.discovery import StarRange
from tests.fakes.github_data import GitHubData
from tests.github_source import FAST, count, endpoint_for, rows
from warehouse.io import store


def _known(github: GitHubData, db: Path) -> None:
    github.add_repository("o/popular", 5000, "Go")
    github.add_repository("o/depended", 50, "Go")  # few stars, many dependents
    github.add_repository("o/tiny", 40, "Go")  # neither
    for name in ("o/popular", "o/depended", "o/tiny"):
        github.add_issues(name, 3)
    discover_repositories.fn(
        db, ["go"], 10, timing=FAST, endpoint=endpoint_for(github)
    )  # lands all three


def test_health_without_scores_follows_stars_alone(github: GitHubData, tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    _known(github, db)
    result = refresh_health.fn(
        db, 1000, timing=FAST, endpoint=endpoint_for(github), min_dependents=100
    )
    assert result.repositories == 1  # no fct_repo_scores yet: dependents count as 0


def test_dependents_above_the_floor_keep_a_repository_fresh(
    github: GitHubData, tmp_path: Path
) -> None:
    db = tmp_path / "w.duckdb"
    _known(github, db)
    with store.connect(db) as con:  # what a build scored (the registries bring dependents)
        con.execute(
            "CREATE TABLE fct_repo_scores AS SELECT * FROM (VALUES "
            "('github:o/depended', 500), ('github:o/tiny', 3), ('github:o/popular', 0)) "
            "AS t(entity_id, dependents)"
        )
    github.data["o/depended"]["stargazerCount"] = 55
    github.data["o/tiny"]["stargazerCount"] = 41

    dependents = repo_dependents.fn(db)  # the flow reads them once and passes them on
    assert dependents == {"o/depended": 500, "o/tiny": 3}
    health = refresh_health.fn(
        db,
        1000,
        timing=FAST,
        endpoint=endpoint_for(github),
        min_dependents=100,
        dependents=dependents,
    )

    assert health.repositories == 2 and health.failed == 0
    assert rows(db, "SELECT full_name, stars FROM raw_github_repositories ORDER BY 1") == [
        ("o/depended", 55),
        ("o/popular", 5000),
        ("o/tiny", 40),  # not refreshed
    ]
    issues = crawl_issues.fn(
        db,
        None,
        50,
        1000,
        timing=FAST,
        endpoint=endpoint_for(github),
        min_dependents=100,
        dependents=dependents,
    )
    assert issues.repositories == 2 and issues.issues == 6
    assert rows(db, "SELECT DISTINCT repo_full_name FROM raw_github_issues ORDER BY 1") == [
        ("o/depended",),
        ("o/popular",),
    ]


def test_one_star_count_above_the_cap_splits_by_creation_date(
    github: GitHubData, tmp_path: Path
) -> None:
    start = datetime(2015, 1, 1, tzinfo=UTC)
    for i in range(1500):
        created = (start + timedelta(days=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        github.add_repository(f"o/same{i}", 5000, "Rust", createdAt=created)
    github.add_repository("o/other", 7000, "Rust")
    db = tmp_path / "w.duckdb"

    result = discover_repositories.fn(
        db,
        ["rust"],
        1000,
        timing=FAST,
        endpoint=endpoint_for(github),
    )

    assert result.repositories == 1501 and result.failed == 0
    assert count(db, "raw_github_repositories") == 1501  # no duplicates across date ranges
    queries = [s.json["query"] for s in github.seen("POST /graphql")]
    assert any("created:" in q for q in queries)
    assert github.graphql_requests / 1501 <= 0.05


def test_date_halves_cover_the_range_without_overlap() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    left, right = StarRange("go", 5000, 5000).date_halves(now)
    assert left.created_from == datetime(2007, 10, 1, tzinfo=UTC) and right.created_to is None
    assert "created:>=" in right.query()  # open: the same query (checkpoint) on resume
    assert right.created_from - left.created_to == timedelta(seconds=1)
    assert "stars:5000..5000 created:2007-10-01T00:00:00Z.." in left.query()
    one = StarRange("go", 1, 1, created_from=now, created_to=now)
    assert one.date_halves(now) == []
