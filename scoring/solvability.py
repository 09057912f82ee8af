"""Solvability of an open issue in 0-1: how likely a fix is to be small, checkable and safe.

Simple issues in small, tested repositories that touch few files and break nothing score high.
Triage fills complexity, scope and breaking risk; the repository fills tests, coverage and
size; whatever is unknown drops out of the mean instead of counting as zero.
"""

from __future__ import annotations

import polars as pl
from pydantic import BaseModel, ConfigDict, Field

from scoring.components import log_scaled, weighted_mean

SOLVABILITY_COMPONENTS = ["complexity", "tests", "size", "scope", "breaking"]
BREAKING_SCORES = {"low": 1.0, "medium": 0.5, "high": 0.0}

# Signals a caller may lack entirely (an untriaged issue, a repository never verified): null.
INPUTS = {
    "complexity": pl.Int64,
    "has_tests": pl.Boolean,
    "coverage": pl.Float64,
    "code_lines": pl.Int64,
    "scope_files": pl.Int64,
    "breaking_risk": pl.String,
}


class SolvabilityConfig(BaseModel):
    """Thresholds T of code size and scope, and the weight of each component."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    code_lines_threshold: float = Field(100_000.0, gt=0)
    scope_files_threshold: float = Field(20.0, gt=0)
    weight_complexity: float = Field(1.0, ge=0)
    weight_tests: float = Field(1.0, ge=0)
    weight_size: float = Field(0.5, ge=0)
    weight_scope: float = Field(1.0, ge=0)
    weight_breaking: float = Field(1.0, ge=0)


def score_solvability(
    issues: pl.DataFrame, config: SolvabilityConfig | None = None
) -> pl.DataFrame:
    """Adds solvability_<component> for each of SOLVABILITY_COMPONENTS and `solvability`.

    Input columns (each optional, absent = null): complexity 1-10, has_tests, coverage 0-1
    (the last verification's; it refines has_tests when present), code_lines (repository
    size), scope_files (files likely touched), breaking_risk low/medium/high (anything else
    is unknown). Other columns, issue_id among them, pass through. Default config if None.
    """
    config = config or SolvabilityConfig()
    missing = [
        pl.lit(None, dtype=dtype).alias(name)
        for name, dtype in INPUTS.items()
        if name not in issues.columns
    ]
    frame = issues.with_columns(missing)
    weights = {f"solvability_{c}": getattr(config, f"weight_{c}") for c in SOLVABILITY_COMPONENTS}
    complexity = pl.col("complexity").cast(pl.Float64).clip(lower_bound=1.0, upper_bound=10.0)
    coverage = pl.col("coverage").cast(pl.Float64).clip(lower_bound=0.0, upper_bound=1.0)
    breaking = pl.col("breaking_risk").str.to_lowercase()
    return frame.with_columns(
        ((10.0 - complexity) / 9.0).alias("solvability_complexity"),
        pl.coalesce(coverage, pl.col("has_tests").cast(pl.Float64)).alias("solvability_tests"),
        log_scaled(pl.col("code_lines"), config.code_lines_threshold, flip=True).alias(
            "solvability_size"
        ),
        log_scaled(pl.col("scope_files"), config.scope_files_threshold, flip=True).alias(
            "solvability_scope"
        ),
        breaking.replace_strict(BREAKING_SCORES, default=None, return_dtype=pl.Float64).alias(
            "solvability_breaking"
        ),
    ).with_columns(weighted_mean(weights).alias("solvability"))
