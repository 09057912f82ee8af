"""The work queue: one row per open issue, ranked by PriorityScore (scoring/issue_priority.py).

The issue's urgency (category, age, engagement) and solvability (complexity, scope and breaking
risk from its triage; the repository's tests, or a crawled checkout's of it, and the coverage
of its last verification; its code size) join its repository's health, impact and redundancy;
an untriaged issue has only what the crawl knows. The risk level of its triage decides what
the solve loop may do with it (scoring/risk.py).
"""

import polars as pl

from scoring.issue_priority import score_issue_priority
from scoring.priority import PriorityWeights
from scoring.risk import RiskConfig, with_risk
from scoring.solvability import score_solvability
from scoring.urgency import UrgencyConfig, score_urgency

COLUMNS = ["rank", "issue_id", "url", "repo_id", "repo", "number", "title", "priority",
           "health", "impact", "solvability", "urgency", "redundancy", "category",
           "complexity", "breaking_risk", "solvable", "solvable_reason", "triage_method",
           "triage_confidence", "risk", "decision", "language", "age_days",
           "engagement"]  # fmt: skip


def model(dbt, session):
    dbt.config(materialized="table", tags=["scoring"])
    # dbt hands a Python model only the config keys it finds in a plain dbt.config.get(...)
    priority_json = dbt.config.get("priority_json")
    urgency_json = dbt.config.get("urgency_json")
    risk_json = dbt.config.get("risk_json")
    weights = PriorityWeights.model_validate_json(priority_json or "{}")
    urgency = UrgencyConfig.model_validate_json(urgency_json or "{}")
    risk = RiskConfig.model_validate_json(risk_json or "{}")
    issues = dbt.ref("fct_issues").pl().filter(pl.col("is_open"))
    repos = dbt.ref("fct_repo_scores").pl().select(
        pl.col("entity_id").alias("repo_id"), "health", "impact", "language",
        pl.col("tests").alias("repo_tests"),
    )  # fmt: skip
    dim_repos = dbt.ref("dim_repos").pl()
    sizes = dim_repos.select("repo_id", pl.col("loc").alias("code_lines"))
    # A GitHub repository's tests are known from a crawled checkout of it (same canonical URL)
    checkout_tests = (
        dim_repos.filter((pl.col("source") == "local") & pl.col("canonical_url").is_not_null())
        .group_by("canonical_url")
        .agg(pl.col("has_tests").any().alias("checkout_tests"))
        .join(dim_repos.select("repo_id", "canonical_url"), on="canonical_url")
        .select("repo_id", "checkout_tests")
        .unique("repo_id")
    )
    coverage = (
        dbt.ref("int_repo_verifications")
        .pl()
        .join(dim_repos.select("repo_id", "canonical_url"), on="canonical_url")
        .select("repo_id", pl.col("last_coverage").alias("coverage"))
        .unique("repo_id")
    )
    redundancy = (
        dbt.source("raw", "raw_redundancy_scores")
        .pl()
        .select(pl.col("entity_id").alias("repo_id"), pl.col("redundancy").cast(pl.Float64))
    )
    frame = issues.drop("repo_id").rename({"dim_repo_id": "repo_id", "repo_full_name": "repo"})
    frame = (
        frame.join(repos, on="repo_id", how="left")
        .join(sizes, on="repo_id", how="left")
        .join(redundancy, on="repo_id", how="left")
        .join(checkout_tests, on="repo_id", how="left")
        .join(coverage, on="repo_id", how="left")
        .with_columns(
            ((pl.col("repo_tests") > 0) | pl.col("checkout_tests")).alias("has_tests"),
            pl.col("scope").list.len().alias("scope_files"),
        )
    )
    frame = score_urgency(frame, urgency)
    frame = score_solvability(frame)
    frame = with_risk(frame, risk)
    return score_issue_priority(frame, weights).select(COLUMNS)
