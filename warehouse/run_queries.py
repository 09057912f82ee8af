"""Readers of the ledger for `globallm runs ...` (and the app): runs, their files and changes."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from warehouse import store

RUN_ITEMS = """
    SELECT
        p.repo, p.file_path, p.status, p.reason, p.confidence, p.risk, p.rules,
        c.change_id, c.state AS change_state, c.branch, c.pr_url, c.gate_merge, c.gate_reasons,
        v.tests_before, v.tests_after, v.passed_before, v.passed_after, v.new_failures,
        v.coverage_before, v.coverage_after, v.coverage_delta, v.isolation
    FROM ledger_plan_items AS p
    LEFT JOIN ledger_changes AS c ON p.change_id = c.change_id
    LEFT JOIN ledger_verifications AS v ON c.change_id = v.change_id
    WHERE p.run_id = ?
    ORDER BY p.repo, p.file_path
"""


class UnknownRun(LookupError):
    """No run with that id (or id prefix) in the ledger."""


def resolve_run_id(db_path: Path, prefix: str) -> str:
    """The full id of the one run whose id starts with `prefix`."""
    with store.connect(db_path, read_only=True) as con:
        found = con.execute(
            "SELECT run_id FROM ledger_runs WHERE starts_with(run_id, ?)", [prefix]
        ).fetchall()
    if len(found) != 1:
        what = "no run" if not found else f"{len(found)} runs"
        raise UnknownRun(f"{what} with an id starting {prefix!r}")
    return found[0][0]


def list_runs(db_path: Path, limit: int) -> pl.DataFrame:
    """Top-level runs, newest first, with their plan-item and change counts."""
    with store.connect(db_path, read_only=True) as con:
        return con.execute(
            """
            SELECT r.run_id, r.kind, r.recipe, r.status, r.actor, r.created_at,
                   count(DISTINCT p.plan_item_id) AS plan_items,
                   count(DISTINCT c.change_id) AS changes,
                   count(DISTINCT c.change_id) FILTER (c.state = 'MERGED') AS merged,
                   count(DISTINCT c.change_id) FILTER (c.state = 'BLOCKED') AS blocked
            FROM ledger_runs AS r
            LEFT JOIN ledger_plan_items AS p ON p.run_id = r.run_id
            LEFT JOIN ledger_changes AS c ON c.run_id = r.run_id
            WHERE r.parent_run_id IS NULL
            GROUP BY ALL
            ORDER BY r.created_at DESC
            LIMIT ?
            """,
            [limit],
        ).pl()


def run_items(db_path: Path, run_id: str) -> pl.DataFrame:
    """Per repository and file: what changed, why, confidence, verification, gate, PR."""
    with store.connect(db_path, read_only=True) as con:
        return con.execute(RUN_ITEMS, [run_id]).pl()


def run_changes(db_path: Path, run_id: str) -> pl.DataFrame:
    with store.connect(db_path, read_only=True) as con:
        return con.execute(
            "SELECT change_id, repo, branch, state, files_changed, lines_added, lines_removed,"
            " gate_reasons, pr_url FROM ledger_changes WHERE run_id = ? ORDER BY repo, branch",
            [run_id],
        ).pl()


def compare_runs(db_path: Path, first: str, second: str) -> pl.DataFrame:
    """Each file planned in either run, with its state in each (null where absent)."""
    with store.connect(db_path, read_only=True) as con:
        return con.execute(
            """
            WITH a AS (SELECT repo, file_path, status FROM ledger_plan_items WHERE run_id = ?),
                 b AS (SELECT repo, file_path, status FROM ledger_plan_items WHERE run_id = ?)
            SELECT coalesce(a.repo, b.repo) AS repo, coalesce(a.file_path, b.file_path) AS file,
                   a.status AS first, b.status AS second
            FROM a FULL OUTER JOIN b ON a.repo = b.repo AND a.file_path = b.file_path
            ORDER BY 1, 2
            """,
            [first, second],
        ).pl()


def find_change(db_path: Path, prefix: str) -> dict:
    """One change (by id prefix) with the local path of its repository."""
    with store.connect(db_path, read_only=True) as con:
        cursor = con.execute(
            """
            SELECT c.*, any_value(p.repo_path) AS repo_path
            FROM ledger_changes AS c
            LEFT JOIN ledger_plan_items AS p ON p.change_id = c.change_id
            WHERE starts_with(c.change_id, ?)
            GROUP BY ALL
            """,
            [prefix],
        )
        names = [d[0] for d in cursor.description]
        found = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    if len(found) != 1:
        what = "no change" if not found else f"{len(found)} changes"
        raise UnknownRun(f"{what} with an id starting {prefix!r}")
    return found[0]
