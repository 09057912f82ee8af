"""Read-only SQL: reads run, writes are refused and change nothing."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from warehouse.io import store
from warehouse.readers import graph_queries, priority_queries, queries


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "w.duckdb"
    with store.connect(path) as con:
        store.upsert_run(con, "r1", "crawl", "COMPLETED")
    return path


def test_select_returns_rows(db: Path):
    frame = queries.run_sql(db, "SELECT run_id, kind FROM ledger_runs")
    assert frame.to_dicts() == [{"run_id": "r1", "kind": "crawl"}]


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM ledger_runs",
        "INSERT INTO ledger_runs (run_id) VALUES ('x')",
        "DROP TABLE ledger_runs",
        "SELECT 1; DELETE FROM ledger_runs",
        "COPY ledger_runs TO 'out.csv'",
        "ATTACH 'other.duckdb'",
        "SET threads = 1",
        "CREATE TABLE t AS SELECT 1",
    ],
)
def test_writes_are_refused_and_nothing_changes(db: Path, sql: str):
    with pytest.raises(queries.WriteRefused, match="refused"):
        queries.run_sql(db, sql)
    assert queries.run_sql(db, "SELECT count(*) AS n FROM ledger_runs").item() == 1
    assert not Path("out.csv").exists()


def test_unparseable_sql_is_refused_with_the_parser_message(db: Path):
    with pytest.raises(queries.WriteRefused, match="could not parse"):
        queries.run_sql(db, "SELEC nonsense")


# The readers the app pages share, over small hand-made marts (the app tests run them on marts a
# real pipeline built; these check paging, the cap and issue matching at sizes the fixture lacks).


@pytest.fixture
def marts(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(tmp_path / "marts.duckdb"))
    con.execute(
        """
        CREATE TABLE fct_priority AS
        SELECT i + 1 AS rank, 'e' || i AS entity_id, ['repo', 'package'][1 + i % 2] AS kind,
               'n' || i AS name, 'local' AS source, ['Python', 'Go', 'Rust'][1 + i % 3] AS language,
               1 - i / 200 AS priority, NULL::DOUBLE AS health, NULL::DOUBLE AS impact,
               NULL::DOUBLE AS solvability, NULL::DOUBLE AS urgency, NULL::DOUBLE AS redundancy
        FROM range(120) AS t(i);
        CREATE TABLE dim_repos (repo_id VARCHAR, name VARCHAR, path VARCHAR, remote_url VARCHAR,
                                package_id VARCHAR);
        INSERT INTO dim_repos VALUES
            ('local:/src/hub', 'hub', '/src/hub', 'git@github.com:Acme/Hub.git', 'pkg:pypi/hub'),
            ('local:/src/leaf', 'leaf', '/src/leaf', NULL, NULL);
        CREATE TABLE dim_packages AS
        SELECT 'pkg:pypi/p' || i AS package_id, 'p' || i AS name FROM range(100) AS t(i)
        UNION ALL SELECT 'pkg:pypi/hub', 'hub';
        CREATE TABLE fct_dependency_edges AS
        SELECT 'local:/src/hub' AS source_id, 'repo' AS source_kind,
               'pkg:pypi/p' || i AS target_id, 'runtime' AS dependency_kind
        FROM range(80) AS t(i)
        UNION ALL
        SELECT 'pkg:pypi/p' || i, 'package', 'pkg:pypi/hub', 'runtime' FROM range(70) AS t(i)
        UNION ALL SELECT 'local:/src/leaf', 'repo', 'pkg:pypi/hub', 'dev';
        CREATE TABLE fct_issues AS
        SELECT 'I' || i AS issue_id, 'github:acme/hub' AS repo_id, 'Acme/Hub' AS repo_full_name,
               i AS number, 'issue ' || i AS title, CASE WHEN i = 0 THEN 'closed' ELSE 'open' END
               AS state, ['bug'] AS labels, 'bug' AS category, i AS reactions, 0 AS comments,
               1 AS age_days, 'https://github.com/Acme/Hub/issues/' || i AS url
        FROM range(30) AS t(i);
        """
    )
    return con


def test_priority_pages_are_filtered_and_sliced_in_sql(marts):
    everything = priority_queries.PriorityFilter()
    assert priority_queries.priority_count(marts, everything) == 120
    assert priority_queries.priority_page(marts, everything, page=3, page_size=50)[
        "rank"
    ].to_list() == list(range(101, 121))
    go_repos = priority_queries.PriorityFilter(languages=("Go",), kinds=("repo",), min_priority=0.8)
    page = priority_queries.priority_page(marts, go_repos, page=1, page_size=50)
    assert (
        priority_queries.priority_count(marts, go_repos) == page.height == 7
    )  # i = 4, 10, ..., 40
    assert set(page["language"]) == {"Go"} and set(page["kind"]) == {"repo"}
    assert priority_queries.priority_options(marts)["language"] == ["Go", "Python", "Rust"]


def test_the_neighbourhood_shares_its_cap_and_reports_the_totals(marts):
    graph = graph_queries.neighbourhood(marts, "local:/src/hub", cap=50)
    assert graph["repo"] == {"name": "hub", "package_id": "pkg:pypi/hub", "package_name": "hub"}
    assert (graph["depends_on_total"], graph["dependents_total"]) == (80, 71)
    assert len(graph["depends_on"]) == len(graph["dependents"]) == 25
    assert {
        "id": "local:/src/leaf",
        "kind": "repo",
        "name": "leaf",
        "kinds": "dev",
        "total": 71,
    } in (graph_queries.neighbourhood(marts, "local:/src/hub", cap=200)["dependents"])
    leaf = graph_queries.neighbourhood(marts, "local:/src/leaf", cap=50)
    assert [d["name"] for d in leaf["depends_on"]] == ["hub"] and leaf["dependents"] == []


def test_a_checkout_finds_its_github_issues_through_its_remote(marts):
    issues = priority_queries.repo_issues(marts, "local:/src/hub", limit=20)
    assert issues["number"].to_list() == list(range(29, 9, -1))  # open, most reactions first
    assert priority_queries.repo_issues(marts, "github:acme/hub", limit=50).height == 29
    assert priority_queries.repo_issues(marts, "local:/src/leaf").is_empty()
