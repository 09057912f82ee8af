"""Ledger writes and look-ups of the fix engine: plan items, changes, verifications.

Rows keep their `created_at` across updates, and every state a change enters is also an event.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import duckdb

from warehouse.io import store


def upsert_plan_items(con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]]) -> None:
    """Insert or update plan items, keeping the first `created_at` of each."""
    if not rows:
        return
    now = store.now()
    ids = [row["plan_item_id"] for row in rows]
    created = dict(
        con.execute(
            "SELECT plan_item_id, created_at FROM ledger_plan_items"
            " WHERE plan_item_id IN (SELECT unnest(?::VARCHAR[]))",
            [ids],
        ).fetchall()
    )
    stamped = [
        {**row, "created_at": created.get(row["plan_item_id"], now), "updated_at": now}
        for row in rows
    ]
    store.land(con, "ledger_plan_items", stamped)


def upsert_change(con: duckdb.DuckDBPyConnection, change: dict[str, Any]) -> None:
    """Insert or update a change, keeping its first `created_at`."""
    now = store.now()
    created = con.execute(
        "SELECT created_at FROM ledger_changes WHERE change_id = ?", [change["change_id"]]
    ).fetchone()
    store.land(
        con,
        "ledger_changes",
        [{**change, "created_at": created[0] if created else now, "updated_at": now}],
    )


def set_plan_items_state(
    con: duckdb.DuckDBPyConnection, plan_item_ids: list[str], state: str, change_id: str | None
) -> None:
    con.execute(
        "UPDATE ledger_plan_items SET status = ?, change_id = ?, updated_at = ?"
        " WHERE plan_item_id IN (SELECT unnest(?::VARCHAR[]))",
        [state, change_id, store.now(), plan_item_ids],
    )


def count_changes(
    con: duckdb.DuckDBPyConnection, run_id: str, states: list[str], since_hours: float | None
) -> int:
    """A campaign's changes in `states`, created within the last `since_hours` if given."""
    query = (
        "SELECT count(*) FROM ledger_changes"
        " WHERE run_id = ? AND state IN (SELECT unnest(?::VARCHAR[]))"
    )
    params: list[Any] = [run_id, states]
    if since_hours is not None:
        query += " AND created_at >= ?"
        params.append(store.now() - timedelta(hours=since_hours))
    return con.execute(query, params).fetchone()[0]


def plan_items(con: duckdb.DuckDBPyConnection, run_id: str) -> list[dict[str, Any]]:
    """Every plan item of a run, as stored."""
    cursor = con.execute(
        "SELECT * EXCLUDE (created_at, updated_at) FROM ledger_plan_items WHERE run_id = ?"
        " ORDER BY repo, file_path",
        [run_id],
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def open_changes(
    con: duckdb.DuckDBPyConnection, provider: str, run_id: str | None = None
) -> list[dict[str, Any]]:
    """OPEN changes published through `provider` (of one run if given), oldest first: the
    ones whose pull request may since have been merged or closed."""
    query = (
        "SELECT change_id, run_id, repo, branch, pr_url, state FROM ledger_changes"
        " WHERE provider = ? AND state = 'OPEN'"
    )
    params: list[Any] = [provider]
    if run_id is not None:
        query += " AND run_id = ?"
        params.append(run_id)
    cursor = con.execute(query + " ORDER BY created_at, repo, pr_url", params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def set_change_state(
    con: duckdb.DuckDBPyConnection,
    change_id: str,
    state: str,
    merged: bool,
    merge_sha: str | None,
) -> None:
    """Move a change and its plan items to `state` (a merge also records its commit)."""
    at = store.now()
    con.execute(
        "UPDATE ledger_changes SET state = ?, merged = ?, merge_sha = coalesce(?, merge_sha),"
        " updated_at = ? WHERE change_id = ?",
        [state, merged, merge_sha, at, change_id],
    )
    con.execute(
        "UPDATE ledger_plan_items SET status = ?, updated_at = ? WHERE change_id = ?",
        [state, at, change_id],
    )
