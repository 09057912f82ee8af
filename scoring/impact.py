"""Impact in 0-1 from graph metrics: PageRank and betweenness relative to the graph,
dependents and downstream reach against thresholds."""

from __future__ import annotations

import polars as pl
from pydantic import BaseModel, ConfigDict, Field

from scoring.components import log_scaled, weighted_mean


class ImpactConfig(BaseModel):
    """PageRank damping, graph-size limits of the exact methods, thresholds and weights."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    pagerank_damping: float = Field(0.85, gt=0, lt=1)
    dependents_threshold: float = Field(1000.0, gt=0)
    reach_threshold: float = Field(10000.0, gt=0)
    # betweenness counts relative to the graph's most central node, on a log scale:
    # b / b_max = 1 / betweenness_threshold scores log(2) / log(1 + T) (0.1 at T = 1000)
    betweenness_threshold: float = Field(1000.0, gt=0)
    weight_pagerank: float = Field(1.0, ge=0)
    weight_dependents: float = Field(1.0, ge=0)
    weight_reach: float = Field(1.0, ge=0)
    weight_betweenness: float = Field(0.5, ge=0)
    # exact reach (bitsets) up to this many nodes, Cohen's k-min estimate above
    reach_exact_max_nodes: int = Field(20_000, ge=0)
    # ranks per node of the estimate; relative standard error 1 / sqrt(k - 2)
    reach_sketch_size: int = Field(32, ge=3, le=1024)
    # exact betweenness (every node a source) up to this many nodes, sampled above
    betweenness_exact_max_nodes: int = Field(2_000, ge=0)
    betweenness_samples: int = Field(32, ge=1)
    seed: int = Field(0, ge=0)


def score_impact(metrics: pl.DataFrame, config: ImpactConfig) -> pl.DataFrame:
    """Adds pagerank_, dependents_, reach_ and betweenness_component, and `impact`.

    PageRank is min-max scaled within the graph (its raw values shrink with graph size);
    dependents and reach use the criticality scaling against their thresholds; betweenness
    uses it too on b / max(b) * betweenness_threshold, so the most central node scores 1
    and one a thousand times less central about 0.1 (none central: all 0).
    """
    pr = pl.col("pagerank")
    spread = pr.max() - pr.min()
    weights = {
        "pagerank_component": config.weight_pagerank,
        "dependents_component": config.weight_dependents,
        "reach_component": config.weight_reach,
        "betweenness_component": config.weight_betweenness,
    }
    if "betweenness" not in metrics.columns:
        metrics = metrics.with_columns(betweenness=pl.lit(None, dtype=pl.Float64))
    between = pl.col("betweenness")
    relative = between / between.max() * config.betweenness_threshold
    return metrics.with_columns(
        pl.when(spread > 0)
        .then((pr - pr.min()) / spread)
        .otherwise(0.0)
        .alias("pagerank_component"),
        log_scaled(pl.col("dependents"), config.dependents_threshold).alias("dependents_component"),
        log_scaled(pl.col("downstream_reach"), config.reach_threshold).alias("reach_component"),
        pl.when(between.max() > 0)
        .then(log_scaled(relative, config.betweenness_threshold))
        .otherwise(pl.when(between.is_not_null()).then(0.0))
        .alias("betweenness_component"),
    ).with_columns(weighted_mean(weights).alias("impact"))
