"""`globallm discover` (GitHub and registries) builds and scores the marts, so `prioritize` ranks
what was discovered; and every command that finds no warehouse or no marts says which command
fills it, without a database error."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from flows.cli.main import app
from tests.fakes.github_data import GitHubData
from tests.fakes.registry_servers import pip_index
from warehouse.io import store

runner = CliRunner()
DB_ERRORS = ("Catalog Error", "Binder Error", "IO Error", "Traceback", "does not exist")


def cli(db: Path, *args: str):
    return runner.invoke(app, ["--db", str(db), *args])


def ranked(db: Path) -> list[dict]:
    result = cli(db, "prioritize", "--format", "json", "--top", "100")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def names(db: Path, sql: str) -> list:
    result = cli(db, "sql", sql, "--format", "json")
    assert result.exit_code == 0, result.output
    return [next(iter(row.values())) for row in json.loads(result.output)]


@pytest.mark.usefixtures("prefect_server")
def test_github_discover_then_prioritize_ranks_the_discovered_repositories(
    github: GitHubData, tmp_path: Path
) -> None:
    github.add_repository("psf/requests", 52000, "Python")
    github.add_repository("pallets/flask", 67000, "Python")
    github.add_repository("tiny/one", 800, "Python")  # under --min-stars: not discovered
    db = tmp_path / "w.duckdb"

    found = cli(db, "discover", "--language", "python", "--min-stars", "1000")
    assert found.exit_code == 0, found.output
    assert "repositories 2 · failed 0" in found.output
    assert "globallm prioritize" in found.output  # says the ranking is there to read

    rows = ranked(db)
    repos = {r["name"]: r for r in rows if r["kind"] == "repo"}
    assert set(repos) == {"psf/requests", "pallets/flask"}
    assert {r["source"] for r in repos.values()} == {"github"}
    assert all(r["priority"] is not None and r["health"] is not None for r in repos.values())
    assert sorted(names(db, "SELECT name FROM dim_repos ORDER BY name")) == [
        "pallets/flask",
        "psf/requests",
    ]
    # one discover run, with the build and score as its subflows (not runs of their own)
    kinds = cli(
        db, "sql", "SELECT kind, parent_run_id IS NULL AS top FROM ledger_runs", "--format", "json"
    )
    runs = sorted((r["kind"], r["top"]) for r in json.loads(kinds.output))
    assert runs == [("build", False), ("github-crawl", True), ("score", False)]


@pytest.mark.usefixtures("prefect_server")
def test_registry_discover_then_prioritize_ranks_the_crawled_packages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pip_index(monkeypatch) as server:
        server.add_pypi("a", "1.0", ["b>=1"], repository="https://github.com/acme/a")
        server.add_pypi("b", "2.0", ["c~=3.0"])
        server.add_pypi("c", "3.1")
        db = tmp_path / "w.duckdb"
        found = cli(
            db, "discover", "--source", "registries", "--ecosystem", "pypi",
            "--packages", "a", "--depth", "2",
        )  # fmt: skip
    assert found.exit_code == 0, found.output
    assert "packages 3 · edges 2 · failed 0" in found.output
    assert "globallm prioritize" in found.output

    packages = {r["name"]: r for r in ranked(db) if r["kind"] == "package"}
    assert set(packages) == {"a", "b", "c"}
    assert {r["source"] for r in packages.values()} == {"registry"}
    # c is what a and b depend on: the most downstream reach, the highest impact
    assert packages["c"]["impact"] > packages["b"]["impact"] > packages["a"]["impact"]
    assert sorted(names(db, "SELECT name FROM dim_packages")) == ["a", "b", "c"]


@pytest.fixture
def crawled_only(tmp_path: Path) -> Path:
    """A warehouse with raw tables and the ledger, never built: no marts."""
    db = tmp_path / "crawled.duckdb"
    with store.connect(db) as con:
        store.upsert_run(con, "run-1", "crawl", "COMPLETED")
    return db


def assert_says_what_fills_it(result, code: int = 1) -> None:
    assert result.exit_code == code, result.output
    out = result.output.replace("\n", " ")
    assert "globallm run" in out and "globallm discover" in out, out
    assert not any(text in out for text in DB_ERRORS), out


@pytest.mark.parametrize(
    "args",
    [
        ["prioritize"],
        ["prioritize", "--format", "json"],
        ["sql", "SELECT * FROM fct_priority"],
        ["sql", "SELECT name FROM dim_repos JOIN fct_repo_scores USING (name)"],
        ["status"],
        ["status", "--dashboard"],
        ["runs", "list"],
        ["runs", "show", "abc"],
        ["redundancy", "--language", "python"],
    ],
)
def test_without_a_warehouse_each_command_says_which_command_fills_it(
    tmp_path: Path, args: list[str]
) -> None:
    assert_says_what_fills_it(cli(tmp_path / "none.duckdb", *args))


@pytest.mark.parametrize(
    "args",
    [
        ["prioritize"],
        ["sql", "SELECT * FROM fct_priority"],
        ["sql", "SELECT count(*) FROM dim_packages"],
        ["redundancy", "--language", "python"],
    ],
)
def test_without_marts_each_command_says_which_command_fills_it(
    crawled_only: Path, args: list[str]
) -> None:
    result = cli(crawled_only, *args)
    assert_says_what_fills_it(result)
    if args[0] == "prioritize":
        assert "no ranking yet" in result.output


def test_status_of_a_crawled_warehouse_without_marts_shows_what_it_has(crawled_only: Path):
    result = cli(crawled_only, "status", "--dashboard")
    assert result.exit_code == 0, result.output
    assert "No priorities yet" in result.output and "globallm discover" in result.output


@pytest.mark.parametrize("table", ["no_such_table", "dim_repo"])  # dim_repo: a typo
def test_sql_on_a_table_that_is_no_model_keeps_duckdbs_message(crawled_only: Path, table: str):
    result = cli(crawled_only, "sql", f"SELECT * FROM {table}")
    assert result.exit_code == 1
    assert f"Table with name {table} does not exist" in result.output
    assert "not built yet" not in result.output and "Traceback" not in result.output


def test_runs_on_a_duckdb_file_without_the_ledger(tmp_path: Path):
    bare = tmp_path / "bare.duckdb"
    duckdb.connect(str(bare)).close()
    for args in (["runs", "list"], ["runs", "show", "abc"], ["revert", "abc"]):
        assert_says_what_fills_it(cli(bare, *args))


def test_runs_list_of_an_empty_ledger_says_what_records_runs(tmp_path: Path):
    db = tmp_path / "w.duckdb"
    with store.connect(db):
        pass
    result = cli(db, "runs", "list")
    assert result.exit_code == 0, result.output
    assert "no runs yet" in result.output and "globallm discover" in result.output


@pytest.mark.usefixtures("prefect_server")
def test_discover_no_rank_lands_only_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pip_index(monkeypatch) as server:
        server.add_pypi("a", "1.0")
        db = tmp_path / "w.duckdb"
        found = cli(
            db, "discover", "--source", "registries", "--ecosystem", "pypi",
            "--packages", "a", "--no-rank",
        )  # fmt: skip
    assert found.exit_code == 0, found.output
    assert "not built or scored (--no-rank)" in found.output
    result = cli(db, "prioritize")
    assert_says_what_fills_it(result)
    assert "no ranking yet" in result.output
