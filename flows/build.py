"""The build flow: dbt staging, intermediate and dimension models over the raw tables, tested."""

from __future__ import annotations

from pathlib import Path

from prefect import flow
from pydantic import BaseModel

from flows.runtime.ledger_hooks import LEDGER_HOOKS
from tasks.dbt.build import dbt_build

# Models tagged `scoring` (and what depends on them) belong to the score flow.
SCORING_SELECTOR = "tag:scoring+"


class BuildSummary(BaseModel):
    models: int
    tests: int
    seconds: float


@flow(name="build", **LEDGER_HOOKS)
def build_flow(db_path: Path, parent_run_id: str | None = None) -> BuildSummary:
    """`dbt build` of everything but scoring: a failing model or test fails the flow."""
    outcome = dbt_build(
        db_path,
        select=["*"],
        exclude=[SCORING_SELECTOR],
        variables={},
        label="Building the warehouse (dbt)",
    )
    return BuildSummary(
        models=sum(r.resource_type == "model" for r in outcome.results),
        tests=sum(r.resource_type == "test" for r in outcome.results),
        seconds=outcome.seconds,
    )
