"""The score flow: health, impact and priority (scoring/ via dbt Python models), then marts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from prefect import flow

from flows.build import SCORING_SELECTOR, BuildSummary
from flows.runtime.ledger_hooks import LEDGER_HOOKS
from tasks.dbt.build import dbt_build


@flow(name="score", **LEDGER_HOOKS)
def score_flow(
    db_path: Path,
    health: dict[str, Any],
    impact: dict[str, Any],
    priority: dict[str, float],
    parent_run_id: str | None = None,
) -> BuildSummary:
    """Rebuild the scoring models and the marts over them, with their tests."""
    variables = {
        "health_json": json.dumps(health),
        "impact_json": json.dumps(impact),
        "priority_json": json.dumps(priority),
    }
    outcome = dbt_build(
        db_path, select=[SCORING_SELECTOR], exclude=[], variables=variables, label="Scoring (dbt)"
    )
    return BuildSummary(
        models=sum(r.resource_type == "model" for r in outcome.results),
        tests=sum(r.resource_type == "test" for r in outcome.results),
        seconds=outcome.seconds,
    )
