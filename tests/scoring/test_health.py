"""Tests for scoring/health.py: health components from git history and hygiene."""

from __future__ import annotations

import math

import polars as pl
import pytest
from pydantic import ValidationError

from scoring.health import HealthConfig, score_health

SCHEMA = {
    "entity_id": pl.String,
    "commits_90d": pl.Int64,
    "authors_365d": pl.Int64,
    "days_since_last_commit": pl.Int64,
    "has_tests": pl.Boolean,
    "has_ci": pl.Boolean,
}

# Thresholds picked so that the scaled values are round: log(1 + 9) / log(1 + 99) = 0.5 and
# log(1 + 1) / log(1 + 3) = 0.5.
ROUND = HealthConfig(
    commits_90d_threshold=99,
    authors_365d_threshold=3,
    authors_90d_threshold=3,
    days_since_commit_threshold=99,
)


def _repos(*rows: tuple) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=SCHEMA, orient="row")


def _row(frame: pl.DataFrame, entity_id: str) -> dict:
    return frame.filter(pl.col("entity_id") == entity_id).to_dicts()[0]


def test_output_columns():
    out = score_health(_repos(("r", 1, 1, 1, True, True)), HealthConfig())
    assert out.columns == [
        "entity_id", "velocity", "diversity", "recency", "tests", "ci", "resolution", "health"
    ]  # fmt: skip


def test_components_and_weighted_health():
    out = score_health(_repos(("r", 9, 1, 9, True, False)), ROUND)
    row = _row(out, "r")
    assert row["velocity"] == pytest.approx(0.5)
    assert row["diversity"] == pytest.approx(0.5)
    assert row["recency"] == pytest.approx(0.5)  # flipped: 1 - 0.5
    assert row["tests"] == 1.0
    assert row["ci"] == 0.0
    # (1*0.5 + 1*0.5 + 1*0.5 + 0.5*1 + 0.5*0) / (1 + 1 + 1 + 0.5 + 0.5)
    assert row["health"] == pytest.approx(2.0 / 4.0)


def test_default_thresholds():
    out = score_health(_repos(("r", 10, 2, 30, False, True)), HealthConfig())
    row = _row(out, "r")
    velocity = math.log(11) / math.log(101)
    diversity = math.log(3) / math.log(11)
    recency = 1 - math.log(31) / math.log(366)
    assert row["velocity"] == pytest.approx(velocity)
    assert row["diversity"] == pytest.approx(diversity)
    assert row["recency"] == pytest.approx(recency)
    assert row["health"] == pytest.approx((velocity + diversity + recency + 0.5) / 4.0)


def test_very_active_repo_is_fully_healthy():
    out = score_health(_repos(("r", 1000, 50, 0, True, True)), HealthConfig())
    assert _row(out, "r")["health"] == pytest.approx(1.0)


def test_stale_repo_recency_is_zero():
    out = score_health(_repos(("r", 0, 0, 5000, False, False)), HealthConfig())
    row = _row(out, "r")
    assert row["recency"] == pytest.approx(0.0)
    assert row["velocity"] == pytest.approx(0.0)
    assert row["health"] == pytest.approx(0.0)


def test_no_history_leaves_history_components_null():
    out = score_health(
        _repos(("empty", 0, 0, None, True, False), ("weird", 50, 5, None, True, True)), ROUND
    )
    for entity in ("empty", "weird"):
        row = _row(out, entity)
        assert row["velocity"] is None
        assert row["diversity"] is None
        assert row["recency"] is None
    # health from tests and ci only: (0.5*1 + 0.5*0) / (0.5 + 0.5)
    assert _row(out, "empty")["health"] == pytest.approx(0.5)
    assert _row(out, "weird")["health"] == pytest.approx(1.0)


def test_no_history_and_no_hygiene_signals_gives_null_health():
    out = score_health(_repos(("r", None, None, None, None, None)), HealthConfig())
    assert _row(out, "r")["health"] is None


def test_null_hygiene_signal_drops_out():
    # has_ci unknown: mean over velocity, diversity, recency and tests only
    out = score_health(_repos(("r", 9, 1, 9, False, None)), ROUND)
    row = _row(out, "r")
    assert row["ci"] is None
    assert row["health"] == pytest.approx(1.5 / 3.5)


def test_zero_weights_remove_components():
    config = ROUND.model_copy(update={"weight_tests": 0.0, "weight_ci": 0.0})
    out = score_health(_repos(("r", 9, 1, 9, False, False)), config)
    assert _row(out, "r")["health"] == pytest.approx(0.5)


def test_one_row_per_repo_in_input_order():
    out = score_health(
        _repos(("b", 1, 1, 1, True, True), ("a", 2, 2, None, False, False)), HealthConfig()
    )
    assert out.get_column("entity_id").to_list() == ["b", "a"]


def test_config_defaults():
    config = HealthConfig()
    assert config.commits_90d_threshold == 100.0
    assert config.authors_365d_threshold == 10.0
    assert config.days_since_commit_threshold == 365.0
    assert (config.weight_velocity, config.weight_diversity, config.weight_recency) == (1, 1, 1)
    assert (config.weight_tests, config.weight_ci) == (0.5, 0.5)
    assert (config.authors_90d_threshold, config.weight_resolution) == (5.0, 1.0)


@pytest.mark.parametrize(
    "field",
    [
        "commits_90d_threshold",
        "authors_365d_threshold",
        "authors_90d_threshold",
        "days_since_commit_threshold",
    ],
)
@pytest.mark.parametrize("value", [-1.0, 0.0])
def test_config_rejects_non_positive_threshold(field, value):
    with pytest.raises(ValidationError, match=field):
        HealthConfig(**{field: value})


def test_config_rejects_negative_weight():
    with pytest.raises(ValidationError, match="weight_ci"):
        HealthConfig(weight_ci=-0.1)


def test_config_accepts_zero_weight():
    assert HealthConfig(weight_velocity=0).weight_velocity == 0.0


def test_config_rejects_unknown_key():
    with pytest.raises(ValidationError, match="extra_forbidden"):
        HealthConfig(weight_stars=1.0)


def test_config_validates_assignment():
    config = HealthConfig()
    with pytest.raises(ValidationError):
        config.commits_90d_threshold = -5.0


# --- GitHub's signals: authors in 90 days, issue resolution, CI state of the head ------------

GITHUB_SCHEMA = {
    "entity_id": pl.String,
    "commits_90d": pl.Int64,
    "authors_365d": pl.Int64,
    "authors_90d": pl.Int64,
    "days_since_last_commit": pl.Int64,
    "has_tests": pl.Boolean,
    "has_ci": pl.Boolean,
    "issues_closed_90d": pl.Int64,
    "open_issues": pl.Int64,
}


def _github(*rows: tuple) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=GITHUB_SCHEMA, orient="row")


def test_resolution_is_the_share_of_issues_closed_in_90_days():
    out = score_health(
        _github(
            ("busy", 9, None, 1, 9, None, True, 30, 10),
            ("nothing-open", 9, None, 1, 9, None, True, 0, 0),
            ("unknown", 9, None, 1, 9, None, True, None, None),
        ),
        ROUND,
    )
    assert _row(out, "busy")["resolution"] == pytest.approx(0.75)
    assert _row(out, "nothing-open")["resolution"] is None  # nothing to resolve: drops out
    assert _row(out, "unknown")["resolution"] is None


def test_authors_90d_stands_in_for_diversity_when_authors_365d_is_unknown():
    out = score_health(
        _github(
            ("gh", 9, None, 1, 9, None, None, None, None),
            ("local", 9, 3, 1, 9, None, None, None, None),
        ),
        ROUND,
    )
    assert _row(out, "gh")["diversity"] == pytest.approx(0.5)  # log(2) / log(4)
    assert _row(out, "local")["diversity"] == pytest.approx(1.0)  # authors_365d wins


def test_github_repository_health_with_missing_ci_and_tests():
    # velocity 0.5, diversity 0.5, recency 0.5, resolution 0.75; tests and ci unknown
    out = score_health(_github(("gh", 9, None, 1, 9, None, None, 30, 10)), ROUND)
    row = _row(out, "gh")
    assert (row["tests"], row["ci"]) == (None, None)
    assert row["health"] == pytest.approx((0.5 + 0.5 + 0.5 + 0.75) / 4.0)


def test_missing_ci_drops_out_where_failing_ci_counts_zero():
    rows = [("pass", True), ("fail", False), ("none", None)]
    out = score_health(
        _github(*[(name, 9, None, 1, 9, None, ci, 30, 10) for name, ci in rows]), ROUND
    )
    health = {name: _row(out, name)["health"] for name, _ in rows}
    assert health["pass"] > health["none"] > health["fail"]
    assert health["none"] == pytest.approx(2.25 / 4.0)
    assert health["fail"] == pytest.approx(2.25 / 4.5)


def test_more_activity_scores_higher():
    out = score_health(
        _github(
            ("lively", 80, None, 8, 2, None, True, 90, 10),
            ("quiet", 3, None, 1, 2, None, True, 1, 50),
        ),
        HealthConfig(),
    )
    lively, quiet = _row(out, "lively"), _row(out, "quiet")
    for component in ("velocity", "diversity", "resolution", "health"):
        assert lively[component] > quiet[component], component


def test_resolution_weight_zero_removes_it():
    config = ROUND.model_copy(update={"weight_resolution": 0.0})
    out = score_health(_github(("gh", 9, None, 1, 9, None, None, 30, 10)), config)
    assert _row(out, "gh")["health"] == pytest.approx(0.5)
