"""What the LLM cost: per run (with its kind) and per repository, this week, and for one run."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from warehouse.io import store
from warehouse.readers import llm_queries


def _call(call_id: str, run_id: str, repo: str | None, hours_ago: float, **values) -> dict:
    return {
        "call_id": call_id,
        "run_id": run_id,
        "prompt_name": "llm_patch",
        "prompt_sha": "0" * 64,
        "model": "m",
        "tokens_in": 0,
        "tokens_out": 0,
        "cost": 0.0,
        "cache_hit": False,
        "secrets_redacted": 0,
        "called_at": store.now() - timedelta(hours=hours_ago),
        "repo": repo,
    } | values


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "w.duckdb"
    with store.connect(path) as con:
        store.upsert_run(con, "fix-1", "fix", "COMPLETED")
        store.upsert_run(
            con, "fix-1-repo", "campaign-repository", "COMPLETED", parent_run_id="fix-1"
        )
        store.land(
            con,
            "ledger_llm_calls",
            [
                _call("c1", "fix-1", "acme/a", 1, tokens_in=100, tokens_out=50, cost=0.01,
                      secrets_redacted=2),
                _call("c2", "fix-1-repo", "acme/a", 0, cache_hit=True),
                _call("c3", "gone", "acme/b", 10 * 24, tokens_in=10, tokens_out=10, cost=0.5),
                _call("c4", "gone", None, 10 * 24, tokens_in=None, tokens_out=None, cost=None),
            ],
        )  # fmt: skip
    return path


@pytest.fixture
def con(db: Path):
    with duckdb.connect(str(db), read_only=True) as connection:
        yield connection


def test_the_cost_of_the_last_days(con):
    assert llm_queries.llm_cost(con) == pytest.approx(0.01)  # 7 days: c3 is 10 days old
    assert llm_queries.llm_cost(con, 30) == pytest.approx(0.51)


def test_per_run_newest_call_first_with_the_kind_when_the_run_is_known(con):
    frame = llm_queries.llm_cost_by_run(con)
    assert frame.drop("last_call").rows() == [
        ("fix-1-repo", "campaign-repository", 1, 1, 0, 0, 0.0, 0),
        ("fix-1", "fix", 1, 0, 100, 50, 0.01, 2),
        ("gone", None, 2, 0, 10, 10, 0.5, 0),
    ]
    assert frame.columns == list(llm_queries._BY_RUN_SCHEMA)
    assert llm_queries.llm_cost_by_run(con, 1)["run_id"].to_list() == ["fix-1-repo"]


def test_per_repository_highest_cost_first(con):
    frame = llm_queries.llm_cost_by_repo(con)
    assert frame.rows() == [("acme/b", 1, 20, 0.5), ("acme/a", 2, 150, 0.01), (None, 1, 0, 0.0)]
    assert llm_queries.llm_cost_by_repo(con, 2).height == 2


def test_one_run_counts_its_subflows_calls(db: Path):
    assert llm_queries.run_llm_usage(db, "fix-1") == {
        "calls": 2,
        "cache_hits": 1,
        "tokens_in": 100,
        "tokens_out": 50,
        "cost": pytest.approx(0.01),
    }
    assert llm_queries.run_llm_usage(db, "fix-1-repo")["calls"] == 1
    assert llm_queries.run_llm_usage(db, "no-such-run") == {
        "calls": 0,
        "cache_hits": 0,
        "tokens_in": 0,
        "tokens_out": 0,
        "cost": 0.0,
    }


def test_a_warehouse_without_the_table_reads_as_no_calls(tmp_path: Path):
    with duckdb.connect(str(tmp_path / "bare.duckdb")) as con:
        assert llm_queries.llm_cost(con) == 0.0
        by_run, by_repo = llm_queries.llm_cost_by_run(con), llm_queries.llm_cost_by_repo(con)
        assert by_run.is_empty() and by_run.columns[:3] == ["run_id", "kind", "calls"]
        assert by_repo.is_empty() and by_repo.columns == ["repo", "calls", "tokens", "cost"]
        assert llm_queries.run_llm_totals(con, "r")["calls"] == 0
