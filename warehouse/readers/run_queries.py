"""Readers of the ledger of runs, shared by `globallm runs ...` and the Campaigns page.

The readers that take a connection first serve the app (through app_cache, over the published
snapshot); the ones that take a db path open the warehouse for the CLI and call them. Every
reader filters by one run (or one change) in SQL, so a page fetches only what it shows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from warehouse.io import store

# Runs the Campaigns page lists: the ones that plan or make changes.
CAMPAIGN_KINDS = ("campaign", "campaign-plan", "fix", "revert")
# Change states (fixers/lifecycle.py), each counted in its own column of `runs`.
CHANGE_STATES = (
    "MERGED",
    "OPEN",
    "WAITING",
    "BLOCKED",
    "FAILED",
    "UNPUBLISHED",
    "CLOSED",
    "REVERTED",
)
# The columns `globallm runs list` prints (a terminal is narrower than a page).
_LIST_COLUMNS = ["run_id", "kind", "recipe", "status", "actor", "created_at", "plan_items"]
_LIST_COLUMNS += ["changes", "merged", "blocked"]
_STATE_COUNTS = ", ".join(f"count(*) FILTER (state = '{s}') AS {s.lower()}" for s in CHANGE_STATES)


class UnknownRun(LookupError):
    """No run with that id (or id prefix) in the ledger."""


def runs(
    con: duckdb.DuckDBPyConnection, limit: int, kinds: tuple[str, ...] | None = None
) -> pl.DataFrame:
    """Top-level runs (of `kinds`, or all), newest first, with plan items and changes by state."""
    return con.execute(
        f"""
        WITH r AS (
            SELECT run_id, kind, recipe, status, actor, created_at
            FROM ledger_runs
            WHERE parent_run_id IS NULL
              AND ($kinds::VARCHAR[] IS NULL OR list_contains($kinds, kind))
            ORDER BY created_at DESC
            LIMIT $limit
        ),
        p AS (
            SELECT run_id, count(*) AS plan_items FROM ledger_plan_items
            WHERE run_id IN (SELECT run_id FROM r) GROUP BY run_id
        ),
        c AS (
            SELECT run_id, count(*) AS changes, {_STATE_COUNTS} FROM ledger_changes
            WHERE run_id IN (SELECT run_id FROM r) GROUP BY run_id
        )
        SELECT r.*, coalesce(p.plan_items, 0) AS plan_items, coalesce(c.changes, 0) AS changes,
               {", ".join(f"coalesce(c.{s.lower()}, 0) AS {s.lower()}" for s in CHANGE_STATES)}
        FROM r LEFT JOIN p USING (run_id) LEFT JOIN c USING (run_id)
        ORDER BY r.created_at DESC
        """,
        {"kinds": list(kinds) if kinds else None, "limit": limit},
    ).pl()


def plan_items(
    con: duckdb.DuckDBPyConnection, run_id: str, repo: str | None = None
) -> pl.DataFrame:
    """Per file (of one repository, or all): what changed, why, confidence, verification, gate."""
    return con.execute(
        """
        WITH p AS (
            SELECT * FROM ledger_plan_items
            WHERE run_id = $run AND ($repo IS NULL OR repo = $repo)
        ),
        c AS (
            SELECT * FROM ledger_changes
            WHERE run_id = $run AND change_id IN (SELECT change_id FROM p)
        ),
        v AS (
            SELECT * FROM ledger_verifications WHERE change_id IN (SELECT change_id FROM p)
        )
        SELECT
            p.repo, p.file_path, p.status, p.reason, p.confidence, p.risk, p.rules,
            c.change_id, c.state AS change_state, c.branch, c.pr_url, c.gate_merge,
            c.gate_reasons, v.tests_before, v.tests_after, v.passed_before, v.passed_after,
            v.new_failures, v.coverage_before, v.coverage_after, v.coverage_delta, v.isolation,
            p.plan_item_id, p.action
        FROM p
        LEFT JOIN c ON p.change_id = c.change_id
        LEFT JOIN v ON c.change_id = v.change_id
        ORDER BY p.repo, p.file_path
        """,
        {"run": run_id, "repo": repo},
    ).pl()


def changes(con: duckdb.DuckDBPyConnection, run_id: str, repo: str | None = None) -> pl.DataFrame:
    """A run's changes (of one repository, or all), with the gate's decision."""
    return con.execute(
        "SELECT change_id, repo, branch, state, files_changed, lines_added, lines_removed,"
        " gate_reasons, pr_url, gate_merge, merged, commit_sha, generated_by FROM ledger_changes"
        " WHERE run_id = ? AND (? IS NULL OR repo = ?) ORDER BY repo, branch",
        [run_id, repo, repo],
    ).pl()


def repositories(con: duckdb.DuckDBPyConnection, run_id: str) -> pl.DataFrame:
    """The repositories a run planned for, with how many files and changes, by state."""
    return con.execute(
        """
        SELECT repo, count(*) AS files, count(DISTINCT change_id) AS changes,
               string_agg(DISTINCT status, ', ' ORDER BY status) AS states
        FROM ledger_plan_items WHERE run_id = ?
        GROUP BY repo
        UNION ALL  -- changes without plan items (a revert)
        SELECT repo, 0, count(*), string_agg(DISTINCT state, ', ' ORDER BY state)
        FROM ledger_changes AS c
        WHERE run_id = ?
          AND NOT EXISTS (SELECT 1 FROM ledger_plan_items AS p WHERE p.change_id = c.change_id)
        GROUP BY repo
        ORDER BY repo
        """,
        [run_id, run_id],
    ).pl()


def burndown(con: duckdb.DuckDBPyConnection, run_id: str) -> pl.DataFrame:
    """How many of a run's changes were in each state at each change event (long format).

    A change is in the state of its latest event: each event adds one to its state and takes
    one from the change's previous state. The sums start at zero when the run starts and hold
    until it ends, so the last step has a width on a chart.
    """
    return con.execute(
        """
        WITH ev AS (
            SELECT occurred_at, state,
                   lag(state) OVER (PARTITION BY subject_id ORDER BY occurred_at, event_id)
                       AS previous
            FROM ledger_events
            WHERE run_id = ? AND subject_kind = 'change'
        ),
        deltas AS (
            SELECT occurred_at, state, 1 AS delta FROM ev
            UNION ALL
            SELECT occurred_at, previous, -1 FROM ev WHERE previous IS NOT NULL
        ),
        times AS (  -- the events, and the run's start and end (now, while it runs)
            SELECT occurred_at FROM ev
            UNION
            SELECT unnest([
                created_at, CASE WHEN status = 'RUNNING' THEN now() ELSE updated_at END
            ])
            FROM ledger_runs WHERE run_id = ? AND EXISTS (FROM ev)
        ),
        grid AS (
            SELECT t.occurred_at, s.state, coalesce(sum(d.delta), 0) AS delta
            FROM times AS t
            CROSS JOIN (SELECT DISTINCT state FROM ev) AS s
            LEFT JOIN deltas AS d ON d.occurred_at = t.occurred_at AND d.state = s.state
            GROUP BY ALL
        )
        SELECT occurred_at, state,
               sum(delta) OVER (PARTITION BY state ORDER BY occurred_at)::INTEGER AS changes
        FROM grid
        ORDER BY occurred_at, state
        """,
        [run_id, run_id],
    ).pl()


def change_files(con: duckdb.DuckDBPyConnection, change_id: str) -> pl.DataFrame:
    """A change's unified diff cut into one diff per file (file_path, diff), in diff order."""
    return con.execute(
        r"""
        WITH parts AS (
            SELECT string_split(chr(10) || diff, chr(10) || 'diff --git ') AS parts
            FROM ledger_changes WHERE change_id = ?
        ),
        files AS (
            SELECT unnest(parts) AS part, generate_subscripts(parts, 1) AS i FROM parts
        )
        SELECT coalesce(
                   nullif(regexp_extract(part, '\n\+\+\+ b/([^\n]+)', 1), ''),
                   nullif(regexp_extract(part, '\n--- a/([^\n]+)', 1), ''),
                   regexp_extract(part, '^a/(\S+)', 1)
               ) AS file_path,
               'diff --git ' || part AS diff
        FROM files WHERE i > 1
        ORDER BY i
        """,
        [change_id],
    ).pl()


def verification(con: duckdb.DuckDBPyConnection, change_id: str) -> dict[str, Any] | None:
    """The change's test runs before and after it, or None when it was never verified."""
    cursor = con.execute("SELECT * FROM ledger_verifications WHERE change_id = ?", [change_id])
    row = cursor.fetchone()
    return None if row is None else dict(zip([d[0] for d in cursor.description], row, strict=True))


def change_events(con: duckdb.DuckDBPyConnection, change_id: str) -> pl.DataFrame:
    """The audit trail of a change and of its plan items, oldest first."""
    return con.execute(
        """
        WITH subjects AS (
            SELECT change_id AS subject_id, run_id, '' AS file_path
            FROM ledger_changes WHERE change_id = ?
            UNION ALL
            SELECT plan_item_id, run_id, file_path FROM ledger_plan_items WHERE change_id = ?
        )
        SELECT e.occurred_at, e.subject_kind, s.file_path, e.state, e.detail
        FROM ledger_events AS e
        JOIN subjects AS s ON e.subject_id = s.subject_id AND e.run_id = s.run_id
        WHERE e.run_id IN (SELECT run_id FROM subjects)
        ORDER BY e.occurred_at, e.subject_kind
        """,
        [change_id, change_id],
    ).pl()


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
        return runs(con, limit).select(_LIST_COLUMNS)


def run_items(db_path: Path, run_id: str) -> pl.DataFrame:
    """Per repository and file: what changed, why, confidence, verification, gate, PR."""
    with store.connect(db_path, read_only=True) as con:
        return plan_items(con, run_id)


def run_changes(db_path: Path, run_id: str) -> pl.DataFrame:
    with store.connect(db_path, read_only=True) as con:
        return changes(con, run_id)


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


# Why a run's changes were blocked or failed, one reason a row ("tests fail after the change:
# a, b" counts as "tests fail after the change"), with plan items that failed before any change.
REASONS_SQL = """
WITH reasons AS (
    SELECT state, regexp_replace(unnest(gate_reasons), ':.*$', '') AS reason
    FROM ledger_changes WHERE run_id = $run AND state IN ('BLOCKED', 'FAILED')
    UNION ALL
    SELECT 'FAILED', regexp_replace(coalesce(reason, 'no reason recorded'), ':.*$', '')
    FROM ledger_plan_items WHERE run_id = $run AND status = 'FAILED' AND change_id IS NULL
)
SELECT state, reason, count(*) AS changes FROM reasons
GROUP BY ALL ORDER BY changes DESC, state, reason
"""


def outcome_reasons(con: duckdb.DuckDBPyConnection, run_id: str) -> pl.DataFrame:
    """A run's blocked and failed changes counted by reason, most common first."""
    return con.execute(REASONS_SQL, {"run": run_id}).pl()


def run_reasons(db_path: Path, run_id: str) -> pl.DataFrame:
    with store.connect(db_path, read_only=True) as con:
        return outcome_reasons(con, run_id)


# Per change: its repository, state, tests and coverage before and after, the gate's reasons,
# the sandbox it ran in and its pull request: the campaign report's rows.
REPORT_SQL = """
SELECT c.repo, c.state, c.branch, c.pr_url, c.files_changed, c.lines_added, c.lines_removed,
       c.gate_reasons, v.tests_before, v.tests_after, v.passed_before, v.passed_after,
       v.coverage_before, v.coverage_after, v.new_failures, v.isolation, v.python, v.pythons,
       v.duration_s
FROM ledger_changes AS c LEFT JOIN ledger_verifications AS v USING (change_id)
WHERE c.run_id = $run
ORDER BY c.repo, c.branch
"""


def run_report_rows(db_path: Path, run_id: str) -> tuple[dict, list[dict], pl.DataFrame]:
    """The run's ledger row, its changes with their verification, and its reasons."""
    with store.connect(db_path, read_only=True) as con:
        run = con.execute(
            "SELECT run_id, kind, recipe, status, created_at, updated_at FROM ledger_runs"
            " WHERE run_id = ?",
            [run_id],
        ).pl()
        rows = con.execute(REPORT_SQL, {"run": run_id}).pl().to_dicts()
        return (
            (run.to_dicts()[0] if run.height else {"run_id": run_id}),
            rows,
            outcome_reasons(con, run_id),
        )


def suite_seconds(db_path: Path, repos: list[str]) -> dict[str, float]:
    """Each repository's typical suite run in seconds, from its past verifications (half the
    median of baseline + after): how long its lane of a campaign will take, before it starts."""
    if not repos or not Path(db_path).exists():
        return {}
    with store.connect(db_path) as con:  # writers of this process may hold it: not read-only
        rows = con.execute(
            """
            SELECT c.repo, median(v.duration_s) / 2
            FROM ledger_changes AS c JOIN ledger_verifications AS v USING (change_id)
            WHERE c.repo IN (SELECT unnest(?)) AND v.duration_s > 0
            GROUP BY c.repo
            """,
            [repos],
        ).fetchall()
    return {repo: float(seconds) for repo, seconds in rows}
