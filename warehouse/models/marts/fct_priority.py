"""The ranked queue: PriorityScore per entity with every term beside it (scoring/priority.py).

Urgency and solvability of a repository are the means over its top `issues_per_repo` open
issues in the work queue (fct_issue_priority); a repository without open issues keeps them
null, so they drop out. Redundancy comes from the last `globallm redundancy` run of the
entity's language (raw_redundancy_scores); an entity it never assessed keeps a null term.
"""

import polars as pl

from scoring.issue_priority import repo_terms_from_issues
from scoring.priority import PriorityWeights, score_priority

COLUMNS = ["rank", "entity_id", "kind", "name", "source", "language", "priority", "health",
           "impact", "solvability", "urgency", "redundancy"]  # fmt: skip


def model(dbt, session):
    dbt.config(materialized="table", tags=["scoring"])
    # dbt hands a Python model only the config keys it finds in a plain dbt.config.get(...)
    priority_json = dbt.config.get("priority_json")
    weights = PriorityWeights.model_validate_json(priority_json or "{}")
    scores = dbt.ref("fct_repo_scores").pl()
    redundancy = (
        dbt.source("raw", "raw_redundancy_scores")
        .pl()
        .select("entity_id", pl.col("redundancy").cast(pl.Float64))
    )
    top_n = int(dbt.config.get("issues_per_repo") or 5)
    issue_terms = repo_terms_from_issues(dbt.ref("fct_issue_priority").pl(), max(top_n, 1))
    issue_terms = issue_terms.select(pl.col("repo_id").alias("entity_id"), "urgency", "solvability")
    scores = (
        scores.drop("redundancy", "urgency", "solvability", strict=False)
        .join(redundancy, on="entity_id", how="left", maintain_order="left")
        .join(issue_terms, on="entity_id", how="left", maintain_order="left")
    )
    return score_priority(scores, weights).select(COLUMNS)
