"""DuckDB connections, raw landing and ledger writes: the only module that writes the warehouse.

Writers hold the file briefly: DuckDB lets one process write or many read, so a second writer
waits (with retries) instead of failing, and every flow ends with a CHECKPOINT.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
from pydantic import BaseModel
from tenacity import retry, retry_if_exception, stop_after_delay, wait_random_exponential

from warehouse.io.tables import ALL_TABLES, LEDGER_VIEWS, columns, primary_key


def _is_lock_error(error: BaseException) -> bool:
    return isinstance(error, duckdb.IOException) and "lock" in str(error).lower()


@retry(
    retry=retry_if_exception(_is_lock_error),
    wait=wait_random_exponential(multiplier=0.1, max=2.0),
    stop=stop_after_delay(60),
    reraise=True,
)
def _open(db_path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    # DuckDB's per-process instance cache races when threads open the same file at once.
    with _OPEN_LOCK:
        return duckdb.connect(str(db_path), read_only=read_only)


_OPEN_LOCK = threading.Lock()
_SCHEMA_READY: set[str] = set()  # warehouse files this process has brought up to date
_SCHEMA_LOCK = threading.Lock()


class _OpenConnections:
    """This process's open warehouse connections, so that a snapshot copy can wait for none.

    Many `connect` blocks run at once (shared); `quiesced` waits until none is open and keeps
    new ones out while it runs (exclusive). Readers are not made to queue behind a waiting
    `quiesced`, so a thread that opens a second connection inside a first never deadlocks.
    """

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._open = 0
        self._exclusive = False

    @contextmanager
    def shared(self) -> Iterator[None]:
        with self._condition:
            self._condition.wait_for(lambda: not self._exclusive)
            self._open += 1
        try:
            yield
        finally:
            with self._condition:
                self._open -= 1
                self._condition.notify_all()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._condition:
            self._condition.wait_for(lambda: not self._exclusive and self._open == 0)
            self._exclusive = True
        try:
            yield
        finally:
            with self._condition:
                self._exclusive = False
                self._condition.notify_all()


_CONNECTIONS = _OpenConnections()


@contextmanager
def connect(db_path: Path | str, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection held only for the `with` block; waits while another process writes."""
    path = Path(db_path)
    if read_only and not path.exists():
        raise FileNotFoundError(
            f"no warehouse at {path}: run `globallm run` or `globallm discover` first"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    with _CONNECTIONS.shared():
        con = _open(path, read_only)
        try:
            if not read_only:
                with _SCHEMA_LOCK:  # once per file and process: parallel DDL conflicts
                    key = str(path.resolve())
                    if key not in _SCHEMA_READY:
                        ensure_schema(con)
                        _SCHEMA_READY.add(key)
            yield con
        finally:
            con.close()


@contextmanager
def quiesced(db_path: Path | str) -> Iterator[duckdb.DuckDBPyConnection]:
    """A writer connection while no other connection of this process is open (see snapshot)."""
    with _CONNECTIONS.exclusive():
        con = _open(Path(db_path), False)
        try:
            yield con
        finally:
            con.close()


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create missing tables, and add the columns a warehouse from an older version lacks."""
    existing: dict[str, set[str]] = {}
    for table, column in con.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'main'"
    ).fetchall():
        existing.setdefault(table, set()).add(column)
    for name, ddl in ALL_TABLES.items():
        if name not in existing:
            con.execute(f"CREATE TABLE {name} ({ddl})")
            continue
        for column, type_ in columns(name):
            if column not in existing[name]:
                con.execute(f"ALTER TABLE {name} ADD COLUMN {column} {type_}")
    for name, select in LEDGER_VIEWS.items():
        con.execute(f"CREATE OR REPLACE VIEW {name} AS {select}")


def _frame(rows: Sequence[BaseModel | dict[str, Any]] | pl.DataFrame) -> pl.DataFrame:
    if isinstance(rows, pl.DataFrame):  # already columnar (e.g. embedding vectors)
        return rows
    records = [row.model_dump() if isinstance(row, BaseModel) else dict(row) for row in rows]
    for record in records:
        for key, value in record.items():
            if isinstance(value, dict):
                record[key] = json.dumps(value, sort_keys=True)
    return pl.DataFrame(records, infer_schema_length=None)


def land(
    con: duckdb.DuckDBPyConnection,
    table: str,
    rows: Sequence[BaseModel | dict[str, Any]] | pl.DataFrame,
    replace_scope: dict[str, Any] | None = None,
) -> int:
    """Upsert rows (models, dicts or a polars frame) by the table's primary key; first drop the
    scope's old rows if given.

    `replace_scope` (e.g. {"repo_id": ...}) makes the landing a snapshot of that scope, so a
    manifest deleted since the last crawl disappears instead of lingering.
    """
    if table not in ALL_TABLES:
        raise ValueError(f"unknown table {table!r}")
    con.begin()
    try:
        if replace_scope:
            where = " AND ".join(f"{column} = ?" for column in replace_scope)
            con.execute(f"DELETE FROM {table} WHERE {where}", list(replace_scope.values()))
        if len(rows):
            frame = _frame(rows)  # read by DuckDB's replacement scan below
            if {name for name, _ in columns(table)} <= set(frame.columns):
                # Whole rows: delete the keys, then insert. DuckDB's INSERT OR REPLACE rewrites
                # list columns row by row (100,000 issues with labels: 36 s against ~2 s).
                key = ", ".join(primary_key(table))
                con.execute(f"DELETE FROM {table} WHERE ({key}) IN (SELECT {key} FROM frame)")
                con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM frame")
            else:  # some columns only: INSERT OR REPLACE keeps the others' stored values
                con.execute(f"INSERT OR REPLACE INTO {table} BY NAME SELECT * FROM frame")
        con.commit()
    except Exception:
        con.rollback()
        raise
    return len(rows)


def row_counts(con: duckdb.DuckDBPyConnection, tables: Sequence[str]) -> dict[str, int]:
    """Rows per table, for run summaries and idempotency checks."""
    counts = {}
    for table in tables:
        counts[table] = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    return counts


def now() -> datetime:
    return datetime.now(UTC)


def upsert_run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    kind: str,
    status: str,
    *,
    parent_run_id: str | None = None,
    actor: str = "user",
    config: dict[str, Any] | None = None,
    summary: dict[str, Any] | None = None,
    recipe: str | None = None,
) -> None:
    """Create or update a `ledger_runs` row; created_at and config survive later updates."""
    at = now()
    con.execute(
        """
        INSERT INTO ledger_runs (run_id, parent_run_id, kind, recipe, actor, status, config,
                                 summary, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (run_id) DO UPDATE SET
            status = excluded.status,
            summary = coalesce(excluded.summary, ledger_runs.summary),
            updated_at = excluded.updated_at
        """,
        [
            run_id,
            parent_run_id,
            kind,
            recipe,
            actor,
            status,
            json.dumps(config, default=str) if config is not None else None,
            json.dumps(summary, default=str) if summary is not None else None,
            at,
            at,
        ],
    )


def record_event(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    state: str,
    *,
    subject_kind: str = "run",
    subject_id: str | None = None,
    detail: str | None = None,
) -> None:
    """Append one audit-trail event."""
    con.execute(
        "INSERT INTO ledger_events VALUES (?, ?, ?, ?, ?, ?, ?)",
        [str(uuid.uuid4()), run_id, subject_kind, subject_id or run_id, state, now(), detail],
    )


def checkpoint(db_path: Path | str) -> None:
    """Fold the WAL into the file so readers see a complete database."""
    with connect(db_path) as con:
        con.execute("CHECKPOINT")
