"""Read-only SQL: reads run, writes are refused and change nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from warehouse import queries, store


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
