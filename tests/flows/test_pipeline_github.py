"""`globallm run` and GitHub: the CLI fills the pipeline's `github` parameters (endpoint and
languages from the settings) when GITHUB_TOKEN is set; the github-crawl subflow then discovers
the configured languages (incrementally after the first time), refreshes health and reads
issues. Without the token it says once that it skipped GitHub and the pipeline stays offline."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli.main import app
from flows.github_crawl import GitHubCrawlParams
from flows.pipeline import PipelineParams, pipeline_flow
from settings import CrawlSettings
from tests.fakes.github_data import GitHubData
from tests.github_source import count, endpoint_for, rows

runner = CliRunner()


@pytest.mark.usefixtures("prefect_server")
def test_pipeline_with_github_discovers_then_reads_issues(
    github: GitHubData, tmp_path: Path
) -> None:
    for i in range(3):
        github.add_repository(f"o/r{i}", 2000 + i, "Go")
        github.add_issues(f"o/r{i}", 4)
    github.add_repository("o/py", 5000, "Python")  # not a configured language
    for issue in github.data["o/r0"]["issues"]:
        issue["linked"] = [{"number": 77, "state": "MERGED"}, {"number": 78, "state": "OPEN"}]
    db = tmp_path / "w.duckdb"
    empty = tmp_path / "empty"
    empty.mkdir()

    github_params = GitHubCrawlParams(endpoint=endpoint_for(github), languages=["go"], max_issues=3)
    params = PipelineParams(
        paths=[empty], crawl=CrawlSettings(include_environment=False), github=github_params
    )
    summary = pipeline_flow(db_path=db, params=params)

    assert summary.github is not None
    assert summary.github.discovery.repositories == 3
    assert summary.github.issues.issues == 9
    assert rows(db, "SELECT full_name FROM raw_github_repositories ORDER BY 1") == [
        ("o/r0",),
        ("o/r1",),
        ("o/r2",),
    ]
    assert count(db, "raw_github_issues") == 9
    linked = rows(
        db,
        "SELECT DISTINCT linked_pull_requests, "
        "list_transform(linked_pulls, p -> [p.number::VARCHAR, p.state, p.url]) "
        "FROM fct_issues WHERE repo_full_name = 'o/r0'",
    )
    assert linked == [
        (2, [["77", "MERGED", "https://github.com/o/r0/pull/77"],
             ["78", "OPEN", "https://github.com/o/r0/pull/78"]])
    ]  # fmt: skip
    assert rows(db, "SELECT DISTINCT linked_pull_requests, len(linked_pulls) FROM fct_issues "
                "WHERE repo_full_name <> 'o/r0'") == [(0, 0)]  # fmt: skip
    kinds = rows(db, "SELECT kind, status FROM ledger_runs WHERE parent_run_id IS NOT NULL")
    assert ("github-crawl", "COMPLETED") in kinds
    # the next run discovers incrementally: only what was pushed since the first discovery
    before = len(github.seen("POST /graphql"))
    pipeline_flow(db_path=db, params=params)
    searched = [s.json["query"] for s in github.seen("POST /graphql")[before:]]
    probes = [q for q in searched if "query Probe" in q]
    assert probes and all("pushed:>" in q for q in probes)


@pytest.mark.usefixtures("prefect_server")
def test_run_command_fills_github_from_the_token_and_settings(
    github: GitHubData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    github.add_repository("o/rust", 3000, "Rust")
    github.add_issues("o/rust", 2)
    monkeypatch.setenv("GLOBALLM_GITHUB__LANGUAGES", '["rust"]')
    db = tmp_path / "w.duckdb"
    empty = tmp_path / "empty"
    empty.mkdir()

    ran = runner.invoke(app, ["--db", str(db), "run", "--path", str(empty), "--no-environment"])

    assert ran.exit_code == 0, ran.output
    assert "GitHub skipped" not in ran.output
    assert rows(db, "SELECT full_name FROM raw_github_repositories") == [("o/rust",)]
    assert count(db, "raw_github_issues") == 2


@pytest.mark.usefixtures("prefect_server")
def test_run_command_without_a_token_skips_github_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    db = tmp_path / "w.duckdb"
    empty = tmp_path / "empty"
    empty.mkdir()

    ran = runner.invoke(app, ["--db", str(db), "run", "--path", str(empty), "--no-environment"])

    assert ran.exit_code == 0, ran.output
    said = ran.output + capsys.readouterr().err
    assert said.count("GitHub skipped: GITHUB_TOKEN is not set") == 1
    assert rows(db, "SELECT count(*) FROM ledger_runs WHERE kind = 'github-crawl'") == [(0,)]
