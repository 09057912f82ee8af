"""`globallm budget --show`: this week's spend against the configured limits, from the snapshot."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli.main import app
from scoring.budget import week_start
from tests.ledger_rows import fix_run, llm_call
from warehouse.io import store

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "w.duckdb"
    this_week = max(week_start(store.now()), store.now() - timedelta(minutes=1))
    with store.connect(path) as con:
        store.land(
            con,
            "ledger_llm_calls",
            [
                llm_call("c1", "psf/black", store.now(), 98_000),
                llm_call("old", "psf/black", store.now() - timedelta(days=8), 500_000),
            ],
        )
        issue = {"url": "https://github.com/psf/black/issues/1", "title": "t", "body": "b"}
        store.land(
            con,
            "ledger_runs",
            [fix_run("fix-1", this_week, 60, issue | {"repo": "psf/black", "language": "python"})],
        )
    return path


def budget(db: Path, *args: str):
    return runner.invoke(app, ["--db", str(db), "budget", *args], terminal_width=200)


def test_show_prints_the_weeks_budgets_against_the_settings(db):
    result = budget(db, "--show")
    assert result.exit_code == 0, result.output
    assert "Budgets this week, since Mon" in result.output
    lines = [line for line in result.output.splitlines() if "psf/black" in line]
    assert len(lines) == 3  # tokens, seconds, issues
    cells = [" ".join(line.split()) for line in result.output.splitlines()]
    assert "│ week │ all │ tokens │ 98,000 │ 5,000,000 │ 4,902,000 │ 2.0 % │" in cells
    assert "│ repository │ psf/black │ tokens │ 98,000 │ 100,000 │ 2,000 │ 98.0 % │" in cells
    assert "│ repository │ psf/black │ issues │ 1 │ 5 │ 4 │ 20.0 % │" in cells


def test_a_limit_of_0_shows_as_no_limit(db, monkeypatch):
    monkeypatch.setenv("GLOBALLM_BUDGETS__TOKENS_PER_REPO", "0")
    result = budget(db)
    assert result.exit_code == 0, result.output
    cells = [" ".join(line.split()) for line in result.output.splitlines()]
    assert "│ repository │ psf/black │ tokens │ 98,000 │ no limit │ - │ - │" in cells


def test_json_rows_with_the_warehouse_and_limits_from_the_environment(db, monkeypatch):
    monkeypatch.setenv("GLOBALLM_BUDGETS__SECONDS_PER_REPO", "0")
    monkeypatch.setenv("GLOBALLM_BUDGETS__ISSUES_PER_LANGUAGE", "1")
    monkeypatch.setenv("GLOBALLM_DB", str(db))
    result = runner.invoke(app, ["budget", "--format", "json"])  # --show is the default
    assert result.exit_code == 0, result.output
    rows = {(r["scope"], r["name"], r["budget"]): r for r in json.loads(result.output)}
    assert rows["week", "all", "tokens"] == {
        "scope": "week",
        "name": "all",
        "budget": "tokens",
        "spent": 98_000,
        "limit": 5_000_000,
        "left": 4_902_000,
        "used_pct": 2.0,
    }
    assert rows["repository", "psf/black", "seconds"]["spent"] == 60
    assert rows["repository", "psf/black", "seconds"]["left"] is None  # 0: no limit
    assert rows["repository", "psf/black", "issues"]["limit"] == 5
    language = rows["language", "python", "issues"]
    assert (language["spent"], language["limit"], language["left"]) == (1, 1, 0)


def test_csv_has_the_columns(db):
    result = budget(db, "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "scope,name,budget,spent,limit,left,used_pct"


def test_without_a_warehouse_it_says_what_fills_it(tmp_path):
    result = budget(tmp_path / "none.duckdb", "--show")
    assert result.exit_code == 1
    assert "no warehouse at" in result.output and "globallm run" in result.output
    assert "Traceback" not in result.output and result.exception.__class__ is SystemExit
