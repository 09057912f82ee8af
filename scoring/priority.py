"""PriorityScore: the weighted terms of DESIGN.md, each kept beside the total.

priority = sum(w_t * term_t) / sum(w_t > 0) over the terms that are present, so a term nobody
could measure yet (urgency without issues, say) drops out instead of counting as zero, and a
negative weight (redundancy) is a penalty: it subtracts without joining the denominator, so a
redundancy of 0 ranks the same as one never assessed.
"""

from __future__ import annotations

import polars as pl
from pydantic import BaseModel, ConfigDict

from scoring.components import weighted_mean

TERMS = ["health", "impact", "solvability", "urgency", "redundancy"]


class PriorityWeights(BaseModel):
    """Weight of each term; a negative weight subtracts that term."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    health: float = 1.0
    impact: float = 1.5
    solvability: float = 1.0
    urgency: float = 1.0
    redundancy: float = -0.5


def score_priority(scores: pl.DataFrame, weights: PriorityWeights) -> pl.DataFrame:
    """Adds `priority` and a unique `rank` (1 = most urgent, ties in input order).

    Missing term columns become null and drop out of the mean.
    """
    missing = [pl.lit(None, dtype=pl.Float64).alias(t) for t in TERMS if t not in scores.columns]
    frame = scores.with_columns(missing)
    ranked = frame.with_columns(weighted_mean(weights.model_dump()).alias("priority"))
    return ranked.with_columns(
        pl.col("priority").rank(method="ordinal", descending=True).cast(pl.Int64).alias("rank")
    ).sort("rank", nulls_last=True)
