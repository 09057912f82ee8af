"""Health of a repository from its git history and hygiene, each component in 0-1."""

from __future__ import annotations

import polars as pl
from pydantic import BaseModel, ConfigDict, Field

from scoring.components import log_scaled, weighted_mean

HEALTH_COMPONENTS = ["velocity", "diversity", "recency", "tests", "ci"]


class HealthConfig(BaseModel):
    """Thresholds T of the health signals and the weight of each component."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    commits_90d_threshold: float = Field(100.0, gt=0)
    authors_365d_threshold: float = Field(10.0, gt=0)
    days_since_commit_threshold: float = Field(365.0, gt=0)
    weight_velocity: float = Field(1.0, ge=0)
    weight_diversity: float = Field(1.0, ge=0)
    weight_recency: float = Field(1.0, ge=0)
    weight_tests: float = Field(0.5, ge=0)
    weight_ci: float = Field(0.5, ge=0)


def score_health(repos: pl.DataFrame, config: HealthConfig) -> pl.DataFrame:
    """Per repo: velocity, diversity, recency, tests, ci and their weighted mean `health`.

    Input columns: entity_id, commits_90d, authors_365d, days_since_last_commit (null when the
    repository has no commit), has_tests, has_ci. A null signal drops out of the mean.
    """
    weights = {name: getattr(config, f"weight_{name}") for name in HEALTH_COMPONENTS}
    no_history = pl.col("days_since_last_commit").is_null()
    return repos.select(
        "entity_id",
        pl.when(no_history)
        .then(None)
        .otherwise(log_scaled(pl.col("commits_90d"), config.commits_90d_threshold))
        .alias("velocity"),
        pl.when(no_history)
        .then(None)
        .otherwise(log_scaled(pl.col("authors_365d"), config.authors_365d_threshold))
        .alias("diversity"),
        log_scaled(
            pl.col("days_since_last_commit"), config.days_since_commit_threshold, flip=True
        ).alias("recency"),
        pl.col("has_tests").cast(pl.Float64).alias("tests"),
        pl.col("has_ci").cast(pl.Float64).alias("ci"),
    ).with_columns(weighted_mean(weights).alias("health"))
