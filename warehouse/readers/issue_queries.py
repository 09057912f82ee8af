"""Readers of the Issues page: the work queue (fct_issue_priority) filtered and paged in SQL."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import polars as pl

from warehouse.readers.queries import existing_tables

ISSUE_PAGE_COLUMNS = (
    "rank, repo, number, title, category, priority, urgency, solvability, health, impact,"
    " complexity, risk, decision, triage_method, triage_confidence, solvable, solvable_reason,"
    " breaking_risk, language, age_days, url, issue_id"
)
OPTION_COLUMNS = ("language", "category", "decision")


@dataclass(frozen=True)
class IssueFilter:
    """The Issues page's filters; an empty tuple means no filter on that column."""

    languages: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    decisions: tuple[str, ...] = ()
    min_priority: float = 0.0

    def where(self) -> tuple[str, list]:
        """The WHERE clause and its parameters, so the filtering happens inside DuckDB."""
        clauses, params = ["coalesce(priority, 0) >= ?"], [self.min_priority]
        for column, values in (
            ("language", self.languages),
            ("category", self.categories),
            ("decision", self.decisions),
        ):
            if values:
                clauses.append(f"{column} IN ({', '.join('?' * len(values))})")
                params.extend(values)
        return " AND ".join(clauses), params


def issue_options(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """The distinct languages, categories and decisions in the queue: the filters' choices."""
    return {
        column: [
            row[0]
            for row in con.execute(
                f"SELECT DISTINCT {column} FROM fct_issue_priority"
                f" WHERE {column} IS NOT NULL ORDER BY 1"
            ).fetchall()
        ]
        for column in OPTION_COLUMNS
    }


def issue_count(con: duckdb.DuckDBPyConnection, filters: IssueFilter) -> int:
    """How many open issues pass the filters (the table shows one page of them)."""
    where, params = filters.where()
    return int(
        con.execute(f"SELECT count(*) FROM fct_issue_priority WHERE {where}", params).fetchone()[0]
    )


def issue_page(
    con: duckdb.DuckDBPyConnection, filters: IssueFilter, page: int = 1, page_size: int = 50
) -> pl.DataFrame:
    """One page (1-based) of the open issues that pass the filters, best first."""
    where, params = filters.where()
    return con.execute(
        f"SELECT {ISSUE_PAGE_COLUMNS} FROM fct_issue_priority WHERE {where}"
        " ORDER BY rank LIMIT ? OFFSET ?",
        [*params, page_size, (max(page, 1) - 1) * page_size],
    ).pl()


def triage_methods(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """How many queued issues each triage method judged (`none`: not triaged yet)."""
    return dict(
        con.execute(
            "SELECT coalesce(triage_method, 'none'), count(*) FROM fct_issue_priority"
            " GROUP BY 1 ORDER BY 2 DESC, 1"
        ).fetchall()
    )


# The changes proposed for an issue (a fix's plan items carry the issue URL as their source).
CHANGES_SQL = """
SELECT DISTINCT c.change_id, c.state, c.merged, c.pr_url, c.branch, c.generated_by,
       c.gate_reasons, coalesce(c.updated_at, c.created_at) AS changed_at
FROM ledger_plan_items AS p JOIN ledger_changes AS c ON c.change_id = p.change_id
WHERE p.source = ?
ORDER BY changed_at DESC
"""

# What the solve loop said of the issue: SKIPPED or FAILED with why, NOTIFY after a merge.
EVENTS_SQL = """
SELECT state, detail, occurred_at FROM ledger_events
WHERE subject_kind = 'issue' AND subject_id = ?
ORDER BY occurred_at DESC
LIMIT ?
"""


def issue_changes(con: duckdb.DuckDBPyConnection, url: str) -> pl.DataFrame:
    """The changes proposed for the issue at `url`, newest first (empty before any fix, and
    while the warehouse has no ledger yet)."""
    if not {"ledger_plan_items", "ledger_changes"} <= existing_tables(con):
        return pl.DataFrame()
    return con.execute(CHANGES_SQL, [url]).pl()


def issue_events(con: duckdb.DuckDBPyConnection, url: str, limit: int = 5) -> pl.DataFrame:
    """The solve loop's latest events about the issue at `url`, newest first."""
    if "ledger_events" not in existing_tables(con):
        return pl.DataFrame()
    return con.execute(EVENTS_SQL, [url, limit]).pl()


# What the solve loop merged without a review (risk MEDIUM): a person is told, here.
NOTIFICATIONS_SQL = """
SELECT occurred_at, subject_id AS url, detail FROM ledger_events
WHERE subject_kind = 'issue' AND state = 'NOTIFY'
  AND occurred_at >= now() - to_days(CAST(? AS INTEGER))
ORDER BY occurred_at DESC
LIMIT ?
"""


def notifications(con: duckdb.DuckDBPyConnection, days: int = 7, limit: int = 20) -> pl.DataFrame:
    """The issues whose fix the solve loop merged and asked a person to look at afterwards
    (MEDIUM risk), newest first, of the last `days` days."""
    if "ledger_events" not in existing_tables(con):
        return pl.DataFrame(
            schema={"occurred_at": pl.Datetime, "url": pl.String, "detail": pl.String}
        )
    return con.execute(NOTIFICATIONS_SQL, [days, limit]).pl()
