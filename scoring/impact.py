"""Impact in 0-1 from graph metrics: PageRank relative to the graph, dependents and reach."""

from __future__ import annotations

import polars as pl
from pydantic import BaseModel, ConfigDict, Field

from scoring.components import log_scaled, weighted_mean


class ImpactConfig(BaseModel):
    """PageRank damping, thresholds of dependents and reach, and the component weights."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    pagerank_damping: float = Field(0.85, gt=0, lt=1)
    dependents_threshold: float = Field(1000.0, gt=0)
    reach_threshold: float = Field(10000.0, gt=0)
    weight_pagerank: float = Field(1.0, ge=0)
    weight_dependents: float = Field(1.0, ge=0)
    weight_reach: float = Field(1.0, ge=0)


def score_impact(metrics: pl.DataFrame, config: ImpactConfig) -> pl.DataFrame:
    """Adds pagerank_component, dependents_component, reach_component and `impact`.

    PageRank is min-max scaled within the graph (its raw values shrink with graph size);
    dependents and reach use the criticality scaling against their thresholds.
    """
    pr = pl.col("pagerank")
    spread = pr.max() - pr.min()
    weights = {
        "pagerank_component": config.weight_pagerank,
        "dependents_component": config.weight_dependents,
        "reach_component": config.weight_reach,
    }
    return metrics.with_columns(
        pl.when(spread > 0)
        .then((pr - pr.min()) / spread)
        .otherwise(0.0)
        .alias("pagerank_component"),
        log_scaled(pl.col("dependents"), config.dependents_threshold).alias("dependents_component"),
        log_scaled(pl.col("downstream_reach"), config.reach_threshold).alias("reach_component"),
    ).with_columns(weighted_mean(weights).alias("impact"))
