"""The score flow: health, impact and priority (scoring/ via dbt Python models), then marts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from prefect import flow
from pydantic import BaseModel, ConfigDict

from flows.build import SCORING_SELECTOR, BuildSummary, build_flow
from flows.runtime.heartbeats import call_subflow
from flows.runtime.ledger_hooks import LEDGER_HOOKS
from scoring.health import HealthConfig
from scoring.impact import ImpactConfig
from scoring.priority import PriorityWeights
from scoring.risk import RiskConfig
from scoring.urgency import UrgencyConfig
from tasks.dbt.build import dbt_build


@flow(name="score", **LEDGER_HOOKS)
def score_flow(
    db_path: Path,
    health: dict[str, Any],
    impact: dict[str, Any],
    priority: dict[str, float],
    urgency: dict[str, Any] | None = None,
    risk: dict[str, Any] | None = None,
    issues_per_repo: int = 5,
    parent_run_id: str | None = None,
) -> BuildSummary:
    """Rebuild the scoring models and the marts over them (the work queue too), with their
    tests."""
    variables = scoring_vars(health, impact, priority, urgency, risk, issues_per_repo)
    outcome = dbt_build(
        db_path, select=[SCORING_SELECTOR], exclude=[], variables=variables, label="Scoring (dbt)"
    )
    return BuildSummary(
        models=sum(r.resource_type == "model" for r in outcome.results),
        tests=sum(r.resource_type == "test" for r in outcome.results),
        seconds=outcome.seconds,
    )


def scoring_vars(
    health: dict[str, Any] | None = None,
    impact: dict[str, Any] | None = None,
    priority: dict[str, float] | None = None,
    urgency: dict[str, Any] | None = None,
    risk: dict[str, Any] | None = None,
    issues_per_repo: int = 5,
) -> dict[str, str]:
    """The dbt vars of the scoring models: only the sections that differ from their defaults
    (a missing or empty one is the default, as dbt_project.yml says). With the default
    configuration the score build has the build's vars, so dbt parses once per process."""
    sections = {
        "health_json": (health, HealthConfig()),
        "impact_json": (impact, ImpactConfig()),
        "priority_json": (priority, PriorityWeights()),
        "urgency_json": (urgency, UrgencyConfig()),
        "risk_json": (risk, RiskConfig()),
    }
    variables = {
        var: json.dumps(given)
        for var, (given, default) in sections.items()
        if given and given != default.model_dump()
    }
    if issues_per_repo != 5:  # dbt_project.yml's default
        variables["issues_per_repo"] = str(issues_per_repo)
    return variables


class Scoring(BaseModel):
    """The score flow's parameters as one value; every default is the settings' default
    (`health.*`, `impact.*`, `priority.*`: the section models themselves)."""

    model_config = ConfigDict(extra="forbid")

    health: HealthConfig = HealthConfig()
    impact: ImpactConfig = ImpactConfig()
    priority: PriorityWeights = PriorityWeights()
    urgency: UrgencyConfig = UrgencyConfig()
    risk: RiskConfig = RiskConfig()
    issues_per_repo: int = 5  # budgets.issues_per_repo: a repository's terms from its top N


class Ranked(BaseModel):
    build: BuildSummary
    score: BuildSummary


def build_and_score(db_path: Path, scoring: Scoring, parent_run_id: str) -> Ranked:
    """The build and score flows as subflows of the running flow (`parent_run_id`): the marts
    over what it landed, scored and ranked, so `globallm prioritize` and the app show it."""
    built = call_subflow(build_flow, db_path, parent_run_id=parent_run_id)
    scored = call_subflow(
        score_flow,
        db_path,
        scoring.health.model_dump(),
        scoring.impact.model_dump(),
        scoring.priority.model_dump(),
        scoring.urgency.model_dump(),
        scoring.risk.model_dump(),
        scoring.issues_per_repo,
        parent_run_id=parent_run_id,
    )
    return Ranked(build=built, score=scored)
