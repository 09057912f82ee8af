"""The budgets' starting point: what this week has spent, read from the ledger
(warehouse/readers/budget_queries.py) by the loops that spend (solve, LLM triage)."""

from __future__ import annotations

from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from scoring.budget import Spend
from warehouse.io import store
from warehouse.readers import budget_queries


@task(name="read-budget-spend", cache_policy=NO_CACHE)
def read_spend(db_path: Path) -> Spend:
    """What this week has spent (LLM tokens, fix-run seconds, issues started)."""
    with store.connect(db_path) as con:
        return budget_queries.read_spend(con)
