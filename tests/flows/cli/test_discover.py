"""`globallm discover` and `globallm issues` against the data fake, and without a token."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli.common import github_enabled
from flows.cli.main import app
from tests.fakes.github_data import GitHubData
from tests.github_source import TOKEN, count, rows

runner = CliRunner()


@pytest.mark.usefixtures("prefect_server")
def test_discover_then_issues(github: GitHubData, tmp_path: Path) -> None:
    github.add_repository("psf/requests", 52000, "Python")
    github.add_repository("tiny/one", 800, "Python")
    github.add_issues("psf/requests", 60)
    db = str(tmp_path / "w.duckdb")

    found = runner.invoke(
        app, ["--db", db, "discover", "--language", "python", "--min-stars", "1000", "--no-rank"]
    )  # ranking after a discovery: tests/flows/cli/test_discover_ranks.py
    assert found.exit_code == 0, found.output
    assert "repositories 1 · failed 0 · 3 requests" in found.output  # + closed-issue counts
    assert rows(Path(db), "SELECT full_name FROM raw_github_repositories") == [("psf/requests",)]

    read = runner.invoke(
        app, ["--db", db, "issues", "--repo", "psf/requests", "--max-issues", "50"]
    )
    assert read.exit_code == 0, read.output
    assert "issues 50 · failed 0 · 1 requests" in read.output
    assert count(Path(db), "raw_github_issues") == 50
    # then triaged (half the fake's issues are labelled bug, half enhancement: a classifier)
    # and ranked, so the work queue shows them at once
    assert "classifier" in read.output and "triaged 50 of 50 open" in read.output
    assert "globallm prioritize --issues" in read.output
    assert count(Path(db), "fct_issue_priority") == 50
    assert TOKEN not in found.output + read.output


def test_without_a_token(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    result = runner.invoke(app, ["discover", "--language", "python"])
    assert result.exit_code == 1 and "GITHUB_TOKEN" in result.output
    assert github_enabled() is False
    assert "GitHub skipped: GITHUB_TOKEN is not set" in capsys.readouterr().err


def test_usage_errors() -> None:
    assert runner.invoke(app, ["issues", "--repo", "nope"]).exit_code == 2
    assert runner.invoke(app, ["discover", "--language", "cobol"]).exit_code == 2
    negative = runner.invoke(app, ["discover", "--language", "go", "--min-stars", "-1"])
    assert negative.exit_code == 2  # refused before any request: -1 used to plan forever
    assert "--min-stars" in negative.output
