"""Readers over the marts that the CLI and the app share; every one opens read-only."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from warehouse import snapshot

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
                f"refused: a {kind} statement would change the warehouse or the machine; "
                "only SELECT (and EXPLAIN) run here"
            )


def run_sql(db_path: Path, sql: str) -> pl.DataFrame:
    """Run read-only SQL against the warehouse and return the rows."""
    check_read_only(sql)
    with snapshot.connect_reader(db_path) as con:
        relation = con.sql(sql)
        if relation is None:
            return pl.DataFrame()
        return relation.pl()


def top_priorities(db_path: Path, top: int, kind: str | None = None) -> pl.DataFrame:
    """The first `top` rows of fct_priority (optionally of one kind), best first."""
    with snapshot.connect_reader(db_path) as con:
        return con.execute(
            "SELECT * FROM fct_priority WHERE kind = coalesce(?, kind) ORDER BY rank LIMIT ?",
            [kind, top],
        ).pl()
