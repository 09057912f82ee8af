"""Readers of what the LLM cost (`ledger_llm_calls`): the Overview's spend, `runs show`'s line.

Costs are what the client priced each call at (`llm.prices`, else `llm.price_per_1k_in` /
`.price_per_1k_out`), in the user's currency; a cached answer costs nothing. Every reader
answers 0 or an empty frame while the warehouse has no `ledger_llm_calls` table, like the
Overview figures do.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from warehouse.io import store
from warehouse.readers.queries import existing_tables

TABLE = "ledger_llm_calls"

_TOTALS = """
    count(*) AS calls,
    count(*) FILTER (cache_hit) AS cache_hits,
    coalesce(sum(tokens_in), 0)::BIGINT AS tokens_in,
    coalesce(sum(tokens_out), 0)::BIGINT AS tokens_out,
    coalesce(sum(cost), 0)::DOUBLE AS cost
"""

_BY_RUN_SCHEMA = {
    "run_id": pl.String,
    "kind": pl.String,
    "calls": pl.Int64,
    "cache_hits": pl.Int64,
    "tokens_in": pl.Int64,
    "tokens_out": pl.Int64,
    "cost": pl.Float64,
    "secrets_redacted": pl.Int64,
    "last_call": pl.Datetime(time_zone="UTC"),
}
_BY_REPO_SCHEMA = {"repo": pl.String, "calls": pl.Int64, "tokens": pl.Int64, "cost": pl.Float64}


def _has_calls_table(con: duckdb.DuckDBPyConnection) -> bool:
    return TABLE in existing_tables(con)


def llm_cost(con: duckdb.DuckDBPyConnection, days: int = 7) -> float:
    """What the LLM calls of the last `days` days cost (the Overview's metric)."""
    if not _has_calls_table(con):
        return 0.0
    return float(
        con.execute(
            f"SELECT coalesce(sum(cost), 0) FROM {TABLE}"
            " WHERE called_at >= now() - to_days(CAST(? AS INTEGER))",
            [days],
        ).fetchone()[0]
    )


def llm_cost_by_run(con: duckdb.DuckDBPyConnection, limit: int = 10) -> pl.DataFrame:
    """Per run that called an LLM, newest call first: its kind (when the run is in
    ledger_runs), calls, cache hits, tokens in and out, cost, secrets redacted."""
    if not _has_calls_table(con):
        return pl.DataFrame(schema=_BY_RUN_SCHEMA)
    return con.execute(
        f"""
        WITH c AS (
            SELECT run_id, {_TOTALS},
                   coalesce(sum(secrets_redacted), 0)::BIGINT AS secrets_redacted,
                   max(called_at) AS last_call
            FROM {TABLE} GROUP BY run_id
        )
        SELECT c.run_id, r.kind, c.calls, c.cache_hits, c.tokens_in, c.tokens_out, c.cost,
               c.secrets_redacted, c.last_call
        FROM c LEFT JOIN ledger_runs AS r USING (run_id)
        ORDER BY c.last_call DESC, c.run_id
        LIMIT ?
        """,
        [limit],
    ).pl()


def llm_cost_by_repo(con: duckdb.DuckDBPyConnection, limit: int = 10) -> pl.DataFrame:
    """Per repository the LLM was asked about, highest cost first (then most tokens): calls,
    tokens in and out together, cost. Calls without a repository count as one null row."""
    if not _has_calls_table(con):
        return pl.DataFrame(schema=_BY_REPO_SCHEMA)
    return con.execute(
        f"""
        SELECT repo, count(*) AS calls,
               coalesce(sum(coalesce(tokens_in, 0) + coalesce(tokens_out, 0)), 0)::BIGINT
                   AS tokens,
               coalesce(sum(cost), 0)::DOUBLE AS cost
        FROM {TABLE}
        GROUP BY repo
        ORDER BY cost DESC, tokens DESC, repo NULLS LAST
        LIMIT ?
        """,
        [limit],
    ).pl()


def run_llm_totals(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, Any]:
    """The LLM calls of one run and of its subflows: calls, cache hits, tokens in and out,
    cost (all 0 when it asked none)."""
    if not _has_calls_table(con):
        return dict.fromkeys(("calls", "cache_hits", "tokens_in", "tokens_out"), 0) | {"cost": 0.0}
    cursor = con.execute(
        f"""
        WITH RECURSIVE tree(run_id) AS (
            SELECT CAST(? AS VARCHAR)
            UNION
            SELECT r.run_id FROM ledger_runs AS r JOIN tree AS t ON r.parent_run_id = t.run_id
        )
        SELECT {_TOTALS} FROM {TABLE} WHERE run_id IN (SELECT run_id FROM tree)
        """,
        [run_id],
    )
    names = [column[0] for column in cursor.description]
    return dict(zip(names, cursor.fetchone(), strict=True))


def run_llm_usage(db_path: Path, run_id: str) -> dict[str, Any]:
    """`run_llm_totals` on the warehouse file (`globallm runs show`)."""
    with store.connect(db_path, read_only=True) as con:
        return run_llm_totals(con, run_id)
