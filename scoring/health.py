"""Health of a repository from its history, hygiene and issue handling, each component in 0-1.

Local checkouts and GitHub repositories feed the same function: each source fills the signals
it has and leaves the others null, so a signal a source cannot see drops out of the mean.
"""

from __future__ import annotations

import polars as pl
from pydantic import BaseModel, ConfigDict, Field

from scoring.components import log_scaled, weighted_mean

HEALTH_COMPONENTS = ["velocity", "diversity", "recency", "tests", "ci", "resolution"]

# Inputs a source may lack entirely (local checkouts know nothing of issues): absent = null.
OPTIONAL_INPUTS = ["authors_90d", "issues_closed_90d", "open_issues"]


class HealthConfig(BaseModel):
    """Thresholds T of the health signals and the weight of each component."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    commits_90d_threshold: float = Field(100.0, gt=0)
    authors_365d_threshold: float = Field(10.0, gt=0)
    authors_90d_threshold: float = Field(5.0, gt=0)
    days_since_commit_threshold: float = Field(365.0, gt=0)
    weight_velocity: float = Field(1.0, ge=0)
    weight_diversity: float = Field(1.0, ge=0)
    weight_recency: float = Field(1.0, ge=0)
    weight_tests: float = Field(0.5, ge=0)
    weight_ci: float = Field(0.5, ge=0)
    weight_resolution: float = Field(1.0, ge=0)


def score_health(repos: pl.DataFrame, config: HealthConfig) -> pl.DataFrame:
    """Per repo: velocity, diversity, recency, tests, ci, resolution and their weighted mean.

    Input columns: entity_id, commits_90d, authors_365d, days_since_last_commit (null when the
    repository has no commit), has_tests, has_ci (for GitHub: the default branch head's CI
    passed), and optionally authors_90d (diversity where authors_365d is unknown),
    issues_closed_90d and open_issues. A null signal drops out of the mean.
    """
    missing = [
        pl.lit(None, dtype=pl.Int64).alias(c) for c in OPTIONAL_INPUTS if c not in repos.columns
    ]
    frame = repos.with_columns(missing)
    weights = {name: getattr(config, f"weight_{name}") for name in HEALTH_COMPONENTS}
    no_history = pl.col("days_since_last_commit").is_null()
    diversity = pl.coalesce(
        log_scaled(pl.col("authors_365d"), config.authors_365d_threshold),
        log_scaled(pl.col("authors_90d"), config.authors_90d_threshold),
    )
    return frame.select(
        "entity_id",
        pl.when(no_history)
        .then(None)
        .otherwise(log_scaled(pl.col("commits_90d"), config.commits_90d_threshold))
        .alias("velocity"),
        pl.when(no_history).then(None).otherwise(diversity).alias("diversity"),
        log_scaled(
            pl.col("days_since_last_commit"), config.days_since_commit_threshold, flip=True
        ).alias("recency"),
        pl.col("has_tests").cast(pl.Float64).alias("tests"),
        pl.col("has_ci").cast(pl.Float64).alias("ci"),
        _resolution().alias("resolution"),
    ).with_columns(weighted_mean(weights).alias("health"))


def _resolution() -> pl.Expr:
    """Share of the issues in play that were closed in the last 90 days: closed / (closed +
    still open). Null where nothing is known or there was nothing to resolve."""
    closed = pl.col("issues_closed_90d").cast(pl.Float64).clip(lower_bound=0.0)
    still_open = pl.col("open_issues").cast(pl.Float64).clip(lower_bound=0.0)
    total = closed + still_open
    return pl.when(total > 0).then(closed / total).otherwise(None)
