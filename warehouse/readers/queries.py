"""Readers over the marts that the CLI and the app share; every one opens read-only."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from warehouse.io import snapshot

# Statement types a reader may run; anything else (INSERT, COPY, ATTACH, SET...) is refused.
READ_ONLY_STATEMENTS = {"SELECT", "EXPLAIN"}


class WriteRefused(ValueError):
    """A statement that would change something, sent to a read-only reader."""


def check_read_only(sql: str) -> None:
    """Raise WriteRefused unless every statement in `sql` only reads."""
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as error:
        raise WriteRefused(f"could not parse the SQL: {error}") from error
    if not statements:
        raise WriteRefused("no SQL statement given")
    for statement in statements:
        kind = statement.type.name
        if kind not in READ_ONLY_STATEMENTS:
            raise WriteRefused(
                f"refused: {kind} statements can change the warehouse or the machine; "
                "only SELECT (and EXPLAIN) run here"
            )


# DuckDB types polars cannot hold (or holds only as opaque bytes), anywhere inside a column
_TEXT_TYPES = {"interval", "union", "bit", "bignum", "varint"}


def _needs_text(kind: object) -> bool:
    """Whether a DuckDB column type holds one of _TEXT_TYPES, at any depth."""
    if kind.id in _TEXT_TYPES:
        return True
    if kind.id in ("list", "array", "struct", "map", "union"):
        # children: (name, type) pairs; an array's also ("size", n)
        return any(hasattr(child, "id") and _needs_text(child) for _, child in kind.children)
    return False


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def run_sql(db_path: Path, sql: str) -> pl.DataFrame:
    """Run read-only SQL against the warehouse and return the rows. Lists and structs stay
    lists and structs; a column polars cannot hold (an INTERVAL, a UNION, a BIT, or a list of
    them) comes back as DuckDB's text for it."""
    check_read_only(sql)
    with snapshot.connect_reader(db_path) as con:
        relation = con.sql(sql)
        if relation is None:
            return pl.DataFrame()
        if any(_needs_text(kind) for kind in relation.types):
            relation = relation.project("*")  # unique column names
            relation = relation.project(
                ", ".join(
                    f"{_quoted(name)}::VARCHAR AS {_quoted(name)}"
                    if _needs_text(kind)
                    else _quoted(name)
                    for name, kind in zip(relation.columns, relation.types, strict=True)
                )
            )
        return relation.pl()


def top_priorities(
    db_path: Path, top: int, kind: str | None = None, language: str | None = None
) -> pl.DataFrame:
    """The first `top` rows of fct_priority (optionally of one kind or language), best first."""
    with snapshot.connect_reader(db_path) as con:
        return con.execute(
            "SELECT * FROM fct_priority WHERE kind = coalesce(?, kind)"
            " AND (? IS NULL OR lower(language) = lower(?)) ORDER BY rank LIMIT ?",
            [kind, language, language, top],
        ).pl()


# The documented fields of `prioritize --issues --format json`, in order.
ISSUE_QUEUE_COLUMNS = (
    "rank, url, repo, number, title, priority, health, impact, solvability, urgency,"
    " redundancy, category, complexity, risk, decision, breaking_risk, solvable,"
    " solvable_reason, triage_method, language, issue_id"
)


def top_issues(db_path: Path, top: int, language: str | None = None) -> pl.DataFrame:
    """The first `top` open issues of the work queue (fct_issue_priority), best first."""
    with snapshot.connect_reader(db_path) as con:
        return con.execute(
            f"SELECT {ISSUE_QUEUE_COLUMNS} FROM fct_issue_priority"
            " WHERE (? IS NULL OR lower(language) = lower(?)) ORDER BY rank LIMIT ?",
            [language, language, top],
        ).pl()


def existing_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Tables and views the warehouse holds (marts appear after the first build)."""
    return {
        row[0] for row in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }


# Overview figure -> (table it needs, SQL that computes it)
_OVERVIEW: dict[str, tuple[str, str]] = {
    "repositories": ("dim_repos", "SELECT count(*) FROM dim_repos"),
    "packages": ("dim_packages", "SELECT count(*) FROM dim_packages"),
    "issues": ("fct_issues", "SELECT count(*) FROM fct_issues WHERE state = 'open'"),
    "plan_items": ("ledger_plan_items", "SELECT count(*) FROM ledger_plan_items"),
    "prs_opened": (
        "ledger_changes",
        "SELECT count(*) FROM ledger_changes"
        " WHERE pr_url IS NOT NULL AND reverts_change_id IS NULL",
    ),
    "prs_merged": ("ledger_changes", "SELECT count(*) FROM ledger_changes WHERE merged"),
    "prs_blocked": (
        "ledger_changes",
        "SELECT count(*) FROM ledger_changes WHERE state = 'BLOCKED'",
    ),
    "llm_tokens_7d": (
        "ledger_llm_calls",
        "SELECT coalesce(sum(coalesce(tokens_in, 0) + coalesce(tokens_out, 0)), 0)"
        " FROM ledger_llm_calls WHERE called_at >= now() - INTERVAL 7 DAY",
    ),
    "runs": ("ledger_runs", "SELECT count(*) FROM ledger_runs WHERE parent_run_id IS NULL"),
}


def overview_figures(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """The headline counts the Overview page and `globallm status` show; 0 where a table is
    not there yet. Open issues only; pull requests are changes with one (reverts left out)."""
    tables = existing_tables(con)
    return {
        name: int(con.execute(sql).fetchone()[0]) if table in tables else 0
        for name, (table, sql) in _OVERVIEW.items()
    }


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | dict | None = None) -> list[dict]:
    """A query's rows as dicts (for details shown as facts, not tables)."""
    cursor = con.execute(sql, params or [])
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


# --- Overview -------------------------------------------------------------------------------


def last_runs(con: duckdb.DuckDBPyConnection, limit: int = 10) -> pl.DataFrame:
    """The newest top-level runs with their state and how long they took (or have run)."""
    return con.execute(
        """
        SELECT run_id, kind, recipe, status, actor, created_at AS started,
               round(epoch(updated_at - created_at), 1) AS duration_s
        FROM ledger_runs WHERE parent_run_id IS NULL
        ORDER BY created_at DESC LIMIT ?
        """,
        [limit],
    ).pl()


def runs_per_day(con: duckdb.DuckDBPyConnection, days: int = 90) -> pl.DataFrame:
    """Top-level runs started per day and kind over the last `days` days (the trend chart)."""
    return con.execute(
        """
        SELECT CAST(created_at AS DATE) AS day, kind, count(*) AS runs
        FROM ledger_runs
        WHERE parent_run_id IS NULL AND created_at >= now() - to_days(CAST(? AS INTEGER))
        GROUP BY ALL ORDER BY day, kind
        """,
        [days],
    ).pl()
