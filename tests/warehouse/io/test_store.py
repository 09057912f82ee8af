"""Raw landing and ledger writes against a real DuckDB file."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from warehouse.io import store


def _dep(name: str, constraint: str = "") -> dict:
    return {
        "repo_id": "local:/r",
        "manifest_path": "requirements.txt",
        "ecosystem": "pypi",
        "name": name,
        "dependency_kind": "runtime",
        "extra": "",
        "version_constraint": constraint,
    }


def test_landing_twice_changes_no_row_count(tmp_path: Path):
    db = tmp_path / "w.duckdb"
    rows = [_dep("httpx", ">=0.27"), _dep("rich")]
    with store.connect(db) as con:
        store.land(con, "raw_local_dependencies", rows, {"repo_id": "local:/r"})
        store.land(con, "raw_local_dependencies", rows, {"repo_id": "local:/r"})
        store.land(con, "raw_local_dependencies", rows)  # plain upsert by primary key
        assert store.row_counts(con, ["raw_local_dependencies"]) == {"raw_local_dependencies": 2}


def test_scope_replacement_drops_rows_that_disappeared(tmp_path: Path):
    db = tmp_path / "w.duckdb"
    with store.connect(db) as con:
        store.land(con, "raw_local_dependencies", [_dep("a"), _dep("b")], {"repo_id": "local:/r"})
        other = {**_dep("z"), "repo_id": "local:/other"}
        store.land(con, "raw_local_dependencies", [other], {"repo_id": "local:/other"})
        store.land(con, "raw_local_dependencies", [_dep("a")], {"repo_id": "local:/r"})
        names = con.execute("SELECT name FROM raw_local_dependencies ORDER BY name").fetchall()
    assert names == [("a",), ("z",)]


def test_failed_landing_rolls_back_the_scope_delete(tmp_path: Path):
    db = tmp_path / "w.duckdb"
    with store.connect(db) as con:
        store.land(con, "raw_local_dependencies", [_dep("a")], {"repo_id": "local:/r"})
        bad = {**_dep("b"), "name": None}  # violates NOT NULL
        with pytest.raises(duckdb.Error):
            store.land(con, "raw_local_dependencies", [bad], {"repo_id": "local:/r"})
        assert con.execute("SELECT name FROM raw_local_dependencies").fetchall() == [("a",)]


def test_unknown_table_is_refused(tmp_path: Path):
    with store.connect(tmp_path / "w.duckdb") as con, pytest.raises(ValueError):
        store.land(con, "raw_nope", [{"a": 1}])


def test_run_rows_keep_created_at_and_config_and_events_accumulate(tmp_path: Path):
    db = tmp_path / "w.duckdb"
    with store.connect(db) as con:
        store.upsert_run(con, "r1", "crawl", "RUNNING", config={"paths": ["."]})
        store.record_event(con, "r1", "RUNNING")
        store.upsert_run(con, "r1", "crawl", "COMPLETED", summary={"repositories": 3})
        store.record_event(con, "r1", "COMPLETED")
        run = con.execute(
            "SELECT status, config->>'$.paths[0]', summary->>'$.repositories',"
            " created_at <= updated_at FROM ledger_runs"
        ).fetchall()
        events = con.execute("SELECT state FROM ledger_events ORDER BY occurred_at").fetchall()
    assert run == [("COMPLETED", ".", "3", True)]
    assert events == [("RUNNING",), ("COMPLETED",)]


def test_reader_on_missing_file_says_how_to_fill_it(tmp_path: Path):
    with (
        pytest.raises(FileNotFoundError, match="globallm run"),
        store.connect(tmp_path / "none.duckdb", read_only=True),
    ):
        pass


def test_writer_waits_for_another_process_holding_the_lock(tmp_path: Path):
    db = tmp_path / "w.duckdb"
    with store.connect(db):
        pass
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import duckdb, sys, time
            con = duckdb.connect({str(db)!r})
            print("locked", flush=True)
            time.sleep(1.5)
            con.close()
        """)],
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    assert holder.stdout.readline().strip() == "locked"
    with store.connect(db) as con:  # retries until the other process lets go
        store.upsert_run(con, "r", "crawl", "RUNNING")
        assert con.execute("SELECT count(*) FROM ledger_runs").fetchone() == (1,)
    assert holder.wait(timeout=30) == 0


def test_an_older_warehouse_gains_new_columns_and_keeps_its_rows(tmp_path: Path):
    db = tmp_path / "old.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE ledger_changes (change_id VARCHAR PRIMARY KEY, state VARCHAR)")
    con.execute("INSERT INTO ledger_changes VALUES ('c1', 'OPEN')")
    con.close()
    with store.connect(db) as con:
        cols = {r[0] for r in con.execute("DESCRIBE ledger_changes").fetchall()}
        rows = con.execute("SELECT change_id, state, merged FROM ledger_changes").fetchall()
    assert {"gate_reasons", "merge_sha", "reverts_change_id"} <= cols
    assert rows == [("c1", "OPEN", None)]


def _issue(number: int, labels: list[str]) -> dict:
    at = store.now()
    return {
        "issue_id": f"I_{number}",
        "repo_full_name": "acme/core",
        "number": number,
        "title": f"issue {number}",
        "body": None,
        "state": "OPEN",
        "labels": labels,
        "reactions": 0,
        "comments": 0,
        "author_association": "NONE",
        "linked_pull_requests": 0,
        "url": None,
        "created_at": at,
        "updated_at": at,
        "closed_at": None,
        "payload": None,
        "fetched_at": at,
    }


def test_whole_rows_landed_again_replace_the_old_ones(tmp_path: Path):
    db = tmp_path / "w.duckdb"
    with store.connect(db) as con:
        store.land(con, "raw_github_issues", [_issue(1, ["bug"]), _issue(2, [])])
        store.land(con, "raw_github_issues", [_issue(1, ["bug", "security"])])
        rows = con.execute(
            "SELECT issue_id, labels FROM raw_github_issues ORDER BY issue_id"
        ).fetchall()
    assert rows == [("I_1", ["bug", "security"]), ("I_2", [])]


def test_partial_rows_keep_the_columns_they_do_not_name(tmp_path: Path):
    db = tmp_path / "w.duckdb"
    with store.connect(db) as con:
        store.land(con, "raw_github_issues", [_issue(1, ["bug"])])
        store.land(con, "raw_github_issues", [{"issue_id": "I_1", "title": "renamed"}])
        assert con.execute("SELECT title, labels FROM raw_github_issues").fetchall() == [
            ("renamed", ["bug"])
        ]
