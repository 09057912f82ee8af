"""`globallm run` with GITHUB_TOKEN: the pipeline also refreshes the known GitHub repositories'
issues, as a github-crawl subflow; without the token it says it skipped GitHub."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.pipeline import pipeline_flow
from tasks.github import discover_repositories
from tests.fakes.github_data import GitHubData
from tests.github_source import FAST, count, rows


@pytest.mark.usefixtures("prefect_server")
def test_pipeline_with_a_token_crawls_github_issues(
    github: GitHubData, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    for i in range(3):
        github.add_repository(f"o/r{i}", 2000 + i)
        github.add_issues(f"o/r{i}", 4)
    db = tmp_path / "w.duckdb"
    discover_repositories.fn(db, ["python"], 1000, timing=FAST)
    empty = tmp_path / "empty"
    empty.mkdir()

    summary = pipeline_flow(db_path=db, paths=[empty], include_environment=False, max_issues=3)

    assert summary.github is not None and summary.github.issues.issues == 9
    assert summary.github.discovery is None  # `globallm discover` finds; `run` refreshes
    assert count(db, "raw_github_issues") == 9
    kinds = rows(db, "SELECT kind, status FROM ledger_runs WHERE parent_run_id IS NOT NULL")
    assert ("github-crawl", "COMPLETED") in kinds
    assert "GitHub skipped" not in capsys.readouterr().err
