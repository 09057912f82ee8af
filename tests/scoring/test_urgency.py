"""Tests for scoring/urgency.py: category multipliers, age and engagement, nulls dropping out."""

from __future__ import annotations

import math
from typing import get_args

import polars as pl
import pytest
from pydantic import ValidationError

from scoring.triage_heuristic import Category
from scoring.urgency import CATEGORIES, UrgencyConfig, score_urgency

SCHEMA = {
    "issue_id": pl.String,
    "category": pl.String,
    "age_days": pl.Int64,
    "engagement": pl.Int64,
}


def _issues(*rows: tuple) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=SCHEMA, orient="row")


def _by_issue(frame: pl.DataFrame) -> dict[str, dict]:
    return {row["issue_id"]: row for row in frame.to_dicts()}


def test_category_component_is_multiplier_over_the_largest():
    frame = _issues(*((c, c, 0, 0) for c in CATEGORIES))
    out = _by_issue(score_urgency(frame, UrgencyConfig()))
    assert out["security"]["urgency_category"] == pytest.approx(1.0)
    assert out["bug"]["urgency_category"] == pytest.approx(0.5)
    assert out["feature"]["urgency_category"] == pytest.approx(0.2)
    for other in ("docs", "question", "chore", "other"):
        assert out[other]["urgency_category"] == pytest.approx(0.1)


def test_categories_order_security_then_bug_then_feature():
    frame = _issues(("f", "feature", 10, 5), ("s", "security", 10, 5), ("b", "bug", 10, 5))
    out = score_urgency(frame, UrgencyConfig()).sort("urgency", descending=True)
    assert out.get_column("issue_id").to_list() == ["s", "b", "f"]


def test_age_and_engagement_use_the_criticality_scaling():
    out = _by_issue(score_urgency(_issues(("i", "bug", 30, 4)), UrgencyConfig()))["i"]
    age = math.log(31) / math.log(366)
    engagement = math.log(5) / math.log(51)
    assert out["urgency_age"] == pytest.approx(age)
    assert out["urgency_engagement"] == pytest.approx(engagement)
    assert out["urgency"] == pytest.approx((0.5 + age + engagement) / 3)


def test_bounds_clip_at_the_thresholds_and_at_zero():
    frame = _issues(("old", "security", 10_000, 10_000), ("neg", "other", -5, -1))
    out = _by_issue(score_urgency(frame, UrgencyConfig()))
    assert out["old"]["urgency"] == pytest.approx(1.0)
    assert out["neg"]["urgency_age"] == pytest.approx(0.0)
    assert out["neg"]["urgency_engagement"] == pytest.approx(0.0)
    for row in out.values():
        assert 0.0 <= row["urgency"] <= 1.0


def test_null_signals_drop_out_and_unknown_category_counts_as_other():
    frame = _issues(
        ("untriaged", None, 365, 50),
        ("weird", "wontfix", None, None),
        ("nothing", None, None, None),
    )
    out = _by_issue(score_urgency(frame, UrgencyConfig()))
    assert out["untriaged"]["urgency_category"] is None
    assert out["untriaged"]["urgency"] == pytest.approx(1.0)
    assert out["weird"]["urgency_category"] == pytest.approx(0.1)
    assert out["weird"]["urgency"] == pytest.approx(0.1)
    assert out["nothing"]["urgency"] is None


def test_weights_and_multipliers_are_configuration_and_columns_pass_through():
    frame = _issues(("i", "feature", 0, 50)).with_columns(repo_id=pl.lit("r"))
    config = UrgencyConfig(multiplier_feature=10.0, weight_engagement=0.0)
    out = score_urgency(frame, config).row(0, named=True)
    assert out["repo_id"] == "r"
    assert out["urgency_category"] == pytest.approx(1.0)
    assert out["urgency"] == pytest.approx(0.5)  # (1.0 + age 0) / 2, engagement weighs nothing


def test_config_rejects_bad_values():
    with pytest.raises(ValidationError):
        UrgencyConfig(age_threshold_days=0)
    with pytest.raises(ValidationError):
        UrgencyConfig(unknown=1.0)
    with pytest.raises(ValidationError):
        UrgencyConfig(**{f"multiplier_{c}": 0.0 for c in CATEGORIES})
    config = UrgencyConfig()
    with pytest.raises(ValidationError):
        config.multiplier_bug = -1.0
    assert config.multiplier_bug == 5.0
    UrgencyConfig(multiplier_security=0.0)  # the others still count


def test_rejected_assignment_leaves_the_config_as_it_was():
    config = UrgencyConfig(**{f"multiplier_{c}": 0.0 for c in CATEGORIES if c != "bug"})
    with pytest.raises(ValidationError):
        config.multiplier_bug = 0.0
    assert config.multipliers()["bug"] == 5.0


def test_categories_match_the_triage_categories():
    assert tuple(CATEGORIES) == get_args(Category)
