"""The app's cached view of the warehouse readers (queries.py, run_queries.py).

The app reads only the published snapshot (warehouse/io/snapshot.py), so it never waits for a flow
and a flow never waits for it. One read-only DuckDB connection per snapshot is kept with
`st.cache_resource`; each query gets its own cursor, since Streamlit serves sessions from
threads. Results are cached with `st.cache_data` under the snapshot's path, so a new publication
is read at once and an unchanged warehouse answers from memory. Readers take the connection as
their first argument and return small frames or dicts: the SQL does the filtering, sorting and
limiting, and only the rows a page shows leave DuckDB.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import streamlit as st

from warehouse.io import snapshot
from warehouse.readers import queries
from warehouse.readers.budget_queries import BudgetLimits

TTL_S = 60
_CONTEXT: dict[str, Any] = {"db": Path(".globallm/warehouse.duckdb"), "budgets": BudgetLimits()}


def use_warehouse(db_path: Path, budgets: BudgetLimits) -> None:
    """Set by app.py from the settings (pages never read settings themselves)."""
    _CONTEXT.update(db=Path(db_path), budgets=budgets)


def warehouse() -> Path:
    """The warehouse every page reads."""
    return _CONTEXT["db"]


def budget_limits() -> BudgetLimits:
    """The weekly budgets, from the settings (0: no limit)."""
    return _CONTEXT["budgets"]


def weekly_token_budget() -> int:
    """The LLM token budget per week, from the settings."""
    return budget_limits().tokens_per_week


def current_snapshot() -> Path | None:
    """The newest published snapshot, publishing one for a warehouse that has none yet."""
    try:
        return snapshot.readable_path(warehouse())
    except FileNotFoundError:
        return None


@st.cache_resource(max_entries=4, show_spinner=False)
def _connection(snapshot_file: str) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(snapshot_file, read_only=True, config=snapshot.READER_CONFIG)


@st.cache_data(ttl=TTL_S, max_entries=1024, show_spinner=False)
def _run(snapshot_file: str, module: str, name: str, args: tuple, kwargs: tuple) -> Any:
    query = getattr(importlib.import_module(module), name)
    with _connection(snapshot_file).cursor() as cursor:
        return query(cursor, *args, **dict(kwargs))


def read(query: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """`query(connection, *args, **kwargs)` over the current snapshot, cached.

    Raises FileNotFoundError when there is no warehouse yet; a table a later flow creates
    (for instance the marts before the first `globallm run`) raises duckdb.CatalogException.
    """
    current = current_snapshot()
    if current is None:
        raise FileNotFoundError(f"no warehouse at {warehouse()}")
    return _run(str(current), query.__module__, query.__name__, args, tuple(sorted(kwargs.items())))


def has_tables(*names: str) -> bool:
    """Whether the snapshot holds all these tables (marts appear after the first build)."""
    return set(names) <= read(queries.existing_tables)


def clear() -> None:
    """Forget cached results (the sidebar's refresh button)."""
    _run.clear()
