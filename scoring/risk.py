"""Risk level of a fix and the automation it allows (DESIGN.md, "Risk and automation").

LOW auto-merges, MEDIUM auto-merges and notifies, HIGH waits for a person, CRITICAL is never
automated. Doubt rounds up: unknown complexity is HIGH (a person decides) and a simple fix
without tests to check it is MEDIUM, never LOW. Security and breaking changes are CRITICAL
whatever their size.
"""

from __future__ import annotations

import polars as pl
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

RISK_LEVELS = ["LOW", "MEDIUM", "HIGH", "CRITICAL"]
BOUNDS = ["low_max", "medium_max", "high_max"]
DECISIONS = {
    "LOW": "auto-merge",
    "MEDIUM": "auto-merge+notify",
    "HIGH": "open",
    "CRITICAL": "never",
}


class RiskConfig(BaseModel):
    """Highest complexity (1-10) of each level; above high_max is CRITICAL."""

    # validate_default: the order is checked even against defaults
    model_config = ConfigDict(extra="forbid", validate_assignment=True, validate_default=True)

    low_max: int = Field(3, ge=0)
    medium_max: int = Field(5, ge=0)
    high_max: int = Field(7, ge=0)

    @field_validator(*BOUNDS)
    @classmethod
    def _ordered(cls, value: int, info: ValidationInfo) -> int:
        """A level cannot end before the one below it. A field validator, not a model one: a
        rejected assignment then leaves the config as it was."""
        mine = BOUNDS.index(info.field_name)
        for other, bound in enumerate(BOUNDS):
            known = info.data.get(bound)
            if known is not None and (known > value if other < mine else known < value):
                raise ValueError("need low_max <= medium_max <= high_max")
        return value


def risk_level(
    complexity: float | None,
    has_tests: bool | None,
    breaking_risk: str | None,
    category: str | None,
    config: RiskConfig,
) -> str:
    """One of RISK_LEVELS for a fix of this complexity, test safety net, breaking risk and
    issue category. has_tests None (unknown) counts as no tests."""
    if category == "security" or breaking_risk == "high":
        return "CRITICAL"
    if complexity is None:
        return "HIGH"
    if complexity > config.high_max:
        return "CRITICAL"
    if complexity > config.medium_max:
        return "HIGH"
    if complexity > config.low_max or has_tests is not True:
        return "MEDIUM"
    return "LOW"


def with_risk(frame: pl.DataFrame, config: RiskConfig) -> pl.DataFrame:
    """Adds `risk` and `decision` columns, by the rules of risk_level, from the columns
    complexity, has_tests, breaking_risk and category (other columns pass through)."""
    complexity = pl.col("complexity")
    risk = (
        pl.when((pl.col("category") == "security") | (pl.col("breaking_risk") == "high"))
        .then(pl.lit("CRITICAL"))
        .when(complexity.is_null())
        .then(pl.lit("HIGH"))
        .when(complexity > config.high_max)
        .then(pl.lit("CRITICAL"))
        .when(complexity > config.medium_max)
        .then(pl.lit("HIGH"))
        .when((complexity > config.low_max) | ~pl.col("has_tests").fill_null(False))
        .then(pl.lit("MEDIUM"))
        .otherwise(pl.lit("LOW"))
    )
    return frame.with_columns(risk.alias("risk")).with_columns(
        pl.col("risk").replace_strict(DECISIONS, return_dtype=pl.String).alias("decision")
    )
