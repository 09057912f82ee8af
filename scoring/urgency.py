"""Urgency of an open issue in 0-1: what kind of issue it is, how long it has waited and how
many people care.

The category counts by its multiplier relative to the largest one (security x10 scores 1.0,
a bug x5 0.5), so the order of the categories is the multipliers' order, whatever their scale.
"""

from __future__ import annotations

import polars as pl
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from scoring.components import log_scaled, weighted_mean

CATEGORIES = ["security", "bug", "feature", "docs", "question", "chore", "other"]
URGENCY_COMPONENTS = ["urgency_category", "urgency_age", "urgency_engagement"]
MULTIPLIERS = [f"multiplier_{c}" for c in CATEGORIES]


class UrgencyConfig(BaseModel):
    """Multiplier of each category, thresholds T of age and engagement, component weights."""

    # validate_default: the multipliers are checked together even where left at their defaults
    model_config = ConfigDict(extra="forbid", validate_assignment=True, validate_default=True)

    multiplier_security: float = Field(10.0, ge=0)
    multiplier_bug: float = Field(5.0, ge=0)
    multiplier_feature: float = Field(2.0, ge=0)
    multiplier_docs: float = Field(1.0, ge=0)
    multiplier_question: float = Field(1.0, ge=0)
    multiplier_chore: float = Field(1.0, ge=0)
    multiplier_other: float = Field(1.0, ge=0)
    age_threshold_days: float = Field(365.0, gt=0)
    engagement_threshold: float = Field(50.0, gt=0)
    weight_category: float = Field(1.0, ge=0)
    weight_age: float = Field(1.0, ge=0)
    weight_engagement: float = Field(1.0, ge=0)

    @field_validator(*MULTIPLIERS)
    @classmethod
    def _some_category_counts(cls, value: float, info: ValidationInfo) -> float:
        """All multipliers 0 would leave nothing to divide by. A field validator, not a model
        one: a rejected assignment then leaves the config as it was."""
        others = [info.data.get(name) for name in MULTIPLIERS if name != info.field_name]
        if value <= 0 and None not in others and max(others) <= 0:
            raise ValueError("at least one category multiplier must be positive")
        return value

    def multipliers(self) -> dict[str, float]:
        """Category -> multiplier, in CATEGORIES order."""
        return {c: getattr(self, f"multiplier_{c}") for c in CATEGORIES}


def score_urgency(issues: pl.DataFrame, config: UrgencyConfig) -> pl.DataFrame:
    """Adds urgency_category, urgency_age, urgency_engagement and their weighted mean `urgency`.

    Input columns: issue_id, category (one of CATEGORIES; an unknown name counts as 'other',
    a null one is untriaged and drops out), age_days, engagement (reactions + comments). Other
    columns pass through. A null signal drops out of the mean.
    """
    multipliers = config.multipliers()
    top = max(multipliers.values())
    relative = {name: value / top for name, value in multipliers.items()}
    category = pl.col("category")
    weights = {
        "urgency_category": config.weight_category,
        "urgency_age": config.weight_age,
        "urgency_engagement": config.weight_engagement,
    }
    return issues.with_columns(
        pl.when(category.is_null())
        .then(None)
        .otherwise(
            category.replace_strict(relative, default=relative["other"], return_dtype=pl.Float64)
        )
        .alias("urgency_category"),
        log_scaled(pl.col("age_days"), config.age_threshold_days).alias("urgency_age"),
        log_scaled(pl.col("engagement"), config.engagement_threshold).alias("urgency_engagement"),
    ).with_columns(weighted_mean(weights).alias("urgency"))
