"""Ad-hoc SQL over the warehouse for the SQL page: one read-only statement, a capped result.

The cap is a LIMIT on DuckDB's relation, so a `SELECT *` over a million issues reads only the
rows shown. Columns that a table or a CSV file cannot hold as they are (lists, structs, maps,
intervals, blobs...) come back as DuckDB's own text for them.
"""

from __future__ import annotations

import duckdb
import polars as pl

from warehouse.readers.queries import check_read_only

MAX_ROWS = 10_000
# DuckDB type ids that arrive in polars and CSV unchanged; any other type is sent as text.
_PLAIN_TYPES = {
    "boolean",
    "tinyint",
    "smallint",
    "integer",
    "bigint",
    "hugeint",
    "utinyint",
    "usmallint",
    "uinteger",
    "ubigint",
    "uhugeint",
    "float",
    "double",
    "decimal",
    "varchar",
    "uuid",
    "enum",
    "date",
    "time",
    "timestamp",
    "timestamp with time zone",
    "timestamp_s",
    "timestamp_ms",
    "timestamp_ns",
}


class SeveralStatements(ValueError):
    """More than one statement: the page shows one result, so it runs one statement."""


def statement_to_run(sql: str) -> str:
    """The one read-only statement in `sql`; raises queries.WriteRefused or SeveralStatements."""
    check_read_only(sql)
    statements = duckdb.extract_statements(sql)
    if len(statements) > 1:
        raise SeveralStatements(
            f"{len(statements)} statements given: run one at a time (the page shows one result)"
        )
    return statements[0].query


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def run_select(con: duckdb.DuckDBPyConnection, sql: str, limit: int = MAX_ROWS) -> pl.DataFrame:
    """At most `limit` + 1 rows of the statement (the extra row tells the page it was capped)."""
    relation = con.sql(statement_to_run(sql)).limit(limit + 1).project("*")  # "*": unique names
    columns = [
        _quoted(name) if kind.id in _PLAIN_TYPES else f"{_quoted(name)}::VARCHAR AS {_quoted(name)}"
        for name, kind in zip(relation.columns, relation.types, strict=True)
    ]
    return relation.project(", ".join(columns)).pl()


def table_columns(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Each table and view with its columns, for the page's list of what can be queried."""
    return con.execute(
        """
        SELECT table_name AS "table", string_agg(column_name, ', ' ORDER BY ordinal_position)
                   AS columns
        FROM information_schema.columns
        WHERE table_schema = 'main'
        GROUP BY table_name
        ORDER BY table_name
        """
    ).pl()
