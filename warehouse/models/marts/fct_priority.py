"""The ranked queue: PriorityScore per entity with every term beside it (scoring/priority.py)."""

from scoring.priority import PriorityWeights, score_priority

COLUMNS = ["rank", "entity_id", "kind", "name", "source", "language", "priority", "health",
           "impact", "solvability", "urgency", "redundancy"]  # fmt: skip


def model(dbt, session):
    dbt.config(materialized="table", tags=["scoring"])
    weights = PriorityWeights.model_validate_json(dbt.config.get("priority_json") or "{}")
    scores = dbt.ref("fct_repo_scores").pl()
    return score_priority(scores, weights).select(COLUMNS)
