"""The Issues page's per-issue readers on a real DuckDB file: the changes proposed for an issue
(through its fix's plan items) and the solve loop's events about it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from warehouse.io import store
from warehouse.readers import issue_queries

URL = "https://github.com/acme/core/issues/7"


def _ledger(db: Path) -> None:
    at = store.now()
    item = {"run_id": "r1", "repo": "acme/core", "file_path": "app/core.py", "action": "MODIFY",
            "recipe": "llm-patch", "confidence": 0.9, "risk": "LOW", "created_at": at}  # fmt: skip
    change = {"run_id": "r1", "repo": "acme/core", "branch": "globallm/llm-patch/app",
              "state": "MERGED", "merged": True, "generated_by": "llm:test-model",
              "gate_reasons": ["confidence 0.90 >= 0.80"], "created_at": at}  # fmt: skip
    with store.connect(db) as con:
        store.land(
            con,
            "ledger_plan_items",
            [
                item | {"plan_item_id": "p1", "source": URL, "status": "MERGED", "change_id": "c1"},
                item
                | {"plan_item_id": "p2", "source": "other", "status": "OPEN", "change_id": "c2"},
            ],
        )
        store.land(
            con,
            "ledger_changes",
            [change | {"change_id": "c1"}, change | {"change_id": "c2", "state": "OPEN"}],
        )
        store.record_event(con, "s1", "SKIPPED", subject_kind="issue", subject_id=URL,
                           detail="budget: 5,300 of 5,000 LLM tokens are used")  # fmt: skip
        store.record_event(con, "s2", "NOTIFY", subject_kind="issue", subject_id=URL,
                           detail="merged without review (risk MEDIUM)")  # fmt: skip
        con.execute(
            "UPDATE ledger_events SET occurred_at = occurred_at - ?::INTERVAL WHERE run_id = 's1'",
            [timedelta(hours=1)],
        )


def test_an_issue_shows_its_own_changes_and_the_solve_loop_events(tmp_path: Path):
    db = tmp_path / "w.duckdb"
    _ledger(db)
    with store.connect(db, read_only=True) as con:
        changes = issue_queries.issue_changes(con, URL)
        events = issue_queries.issue_events(con, URL)
    assert changes["change_id"].to_list() == ["c1"] and changes["state"].to_list() == ["MERGED"]
    assert events["state"].to_list() == ["NOTIFY", "SKIPPED"]  # newest first


def test_a_warehouse_without_a_ledger_answers_empty(tmp_path: Path):
    import duckdb

    db = tmp_path / "bare.duckdb"
    duckdb.connect(str(db)).close()
    with store.connect(db, read_only=True) as con:
        assert issue_queries.issue_changes(con, URL).is_empty()
        assert issue_queries.issue_events(con, URL).is_empty()


def test_notifications_are_the_merges_a_person_is_told_of(tmp_path: Path):
    db = tmp_path / "w.duckdb"
    _ledger(db)
    with store.connect(db, read_only=True) as con:
        notified = issue_queries.notifications(con, days=7)
    assert notified["url"].to_list() == [URL]
    assert notified["detail"].to_list() == ["merged without review (risk MEDIUM)"]
