"""This week's spend read from the ledger (LLM calls and fix runs), and the budget rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from tests.ledger_rows import fix_run, llm_call
from warehouse.io import store
from warehouse.readers.budget_queries import (
    ROW_SCHEMA,
    BudgetLimits,
    budget_rows,
    closest_to_limits,
    read_spend,
)

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)  # a Friday
MONDAY = datetime(2026, 11, 30, tzinfo=UTC)
LAST_WEEK = MONDAY - timedelta(hours=1)


def _issue(repo: str | None, number: int, language: str | None = "Python") -> dict:
    issue = {"url": f"https://github.com/{repo}/issues/{number}", "title": "t", "body": "b"}
    return issue | {"repo": repo, "language": language}


@pytest.fixture
def con(tmp_path: Path):
    path = tmp_path / "w.duckdb"
    with store.connect(path) as writer:
        store.land(
            writer,
            "ledger_llm_calls",
            [
                llm_call("c1", "psf/black", MONDAY, 1000, 200),
                llm_call("c2", "psf/black", NOW, 300, 100),
                llm_call("c3", "psf/black", NOW, 0, 0),  # from the cache: free
                llm_call("c4", "acme/core", NOW - timedelta(days=1), 50, 50),
                llm_call("c5", None, NOW, 10, 0),  # no repository: the week's only
                llm_call("old", "psf/black", LAST_WEEK, 90_000, 9_000),
            ],
        )
        store.land(
            writer,
            "ledger_runs",
            [
                fix_run("f1", MONDAY + timedelta(hours=2), 600, _issue("psf/black", 1)),
                fix_run("f2", NOW, 30.5, _issue("psf/black", 1)),  # the same issue again
                fix_run("f3", NOW, 100, _issue("psf/black", 2, "python")),
                fix_run("f4", NOW, 20, _issue("acme/core", 7, "Go")),
                fix_run("f5", NOW, 5, {"url": "https://x/1", "title": "t", "body": "b"}),
                fix_run("f6", NOW, 5, None),  # no config at all
                fix_run("old", LAST_WEEK, 5000, _issue("psf/black", 3)),
                fix_run("p1", NOW, 900, _issue("psf/black", 4), kind="pipeline"),
            ],
        )
    with duckdb.connect(str(path), read_only=True) as reader:
        yield reader


def test_the_spend_of_this_week(con):
    spend = read_spend(con, NOW)
    assert spend.week_start == MONDAY
    assert spend.week_tokens == 1200 + 400 + 100 + 10
    assert spend.repo_tokens == {"psf/black": 1600, "acme/core": 100}
    assert spend.repo_seconds == pytest.approx({"psf/black": 730.5, "acme/core": 20.0})
    assert spend.repo_issues == {"psf/black": 2, "acme/core": 1}
    assert spend.language_issues == {"python": 2, "go": 1}


def test_last_week_is_its_own_window(con):
    spend = read_spend(con, LAST_WEEK)
    assert spend.week_start == MONDAY - timedelta(days=7)
    assert (spend.week_tokens, spend.repo_tokens) == (99_000, {"psf/black": 99_000})
    assert spend.repo_seconds == {"psf/black": 5000.0}
    assert (spend.repo_issues, spend.language_issues) == ({"psf/black": 1}, {"python": 1})


def test_a_warehouse_without_the_ledger_spends_nothing(tmp_path):
    with duckdb.connect(str(tmp_path / "empty.duckdb")) as empty:
        spend = read_spend(empty, NOW)
    assert spend.week_start == MONDAY and spend.week_tokens == 0
    assert spend.repo_tokens == spend.repo_seconds == spend.repo_issues == {}
    assert spend.language_issues == {}
    rows = budget_rows(spend, BudgetLimits(tokens_per_week=100))
    assert rows.rows() == [("week", "all", "tokens", 0, 100, 100, 0.0)]


def test_the_rows_per_budget_with_what_is_left(con):
    limits = BudgetLimits(
        tokens_per_week=10_000, tokens_per_repo=2_000, seconds_per_repo=600, issues_per_repo=2
    )
    rows = budget_rows(read_spend(con, NOW), limits)
    assert rows.schema == ROW_SCHEMA
    assert rows.rows() == [
        ("week", "all", "tokens", 1710, 10_000, 8290, 17.1),
        ("repository", "acme/core", "tokens", 100, 2000, 1900, 5.0),
        ("repository", "acme/core", "seconds", 20, 600, 580, 3.3),
        ("repository", "acme/core", "issues", 1, 2, 1, 50.0),
        ("repository", "psf/black", "tokens", 1600, 2000, 400, 80.0),
        ("repository", "psf/black", "seconds", 730, 600, 0, 121.7),  # over: nothing left
        ("repository", "psf/black", "issues", 2, 2, 0, 100.0),
        ("language", "go", "issues", 1, 0, None, None),  # 0: no limit
        ("language", "python", "issues", 2, 0, None, None),
    ]
    closest = closest_to_limits(rows, 5)
    assert closest.select("repository", "budget", "used_pct").rows() == [
        ("psf/black", "seconds", 121.7),
        ("acme/core", "issues", 50.0),
    ]
    assert closest_to_limits(rows, 1)["repository"].to_list() == ["psf/black"]
    assert closest_to_limits(budget_rows(read_spend(con, NOW), BudgetLimits())).is_empty()
