"""Tests for scoring/risk.py: the risk levels, their decisions, and the frame version agreeing."""

from __future__ import annotations

import itertools

import polars as pl
import pytest
from pydantic import ValidationError

from scoring.risk import DECISIONS, RISK_LEVELS, RiskConfig, risk_level, with_risk

DEFAULT = RiskConfig()


@pytest.mark.parametrize(
    ("complexity", "expected"),
    [
        (1, "LOW"),
        (3, "LOW"),
        (4, "MEDIUM"),
        (5, "MEDIUM"),
        (6, "HIGH"),
        (7, "HIGH"),
        (8, "CRITICAL"),
        (10, "CRITICAL"),
    ],
)
def test_complexity_bands_with_tests_and_nothing_breaking(complexity, expected):
    assert risk_level(complexity, True, "low", "bug", DEFAULT) == expected


def test_low_candidate_without_tests_becomes_medium():
    assert risk_level(2, False, "low", "bug", DEFAULT) == "MEDIUM"
    assert risk_level(2, None, None, "bug", DEFAULT) == "MEDIUM"  # unknown tests: no safety net


def test_security_and_high_breaking_risk_are_always_critical():
    for complexity in (None, 1, 5, 10):
        assert risk_level(complexity, True, "low", "security", DEFAULT) == "CRITICAL"
        assert risk_level(complexity, True, "high", "docs", DEFAULT) == "CRITICAL"


def test_unknown_complexity_is_high():
    assert risk_level(None, True, "low", "bug", DEFAULT) == "HIGH"
    assert risk_level(None, False, None, None, DEFAULT) == "HIGH"


def test_medium_breaking_risk_does_not_block_low():
    assert risk_level(1, True, "medium", "feature", DEFAULT) == "LOW"


def test_thresholds_are_configuration():
    strict = RiskConfig(low_max=1, medium_max=2, high_max=3)
    assert risk_level(2, True, "low", "bug", strict) == "MEDIUM"
    assert risk_level(4, True, "low", "bug", strict) == "CRITICAL"


def test_config_must_be_ordered():
    with pytest.raises(ValidationError):
        RiskConfig(low_max=6, medium_max=5)
    with pytest.raises(ValidationError):
        RiskConfig(medium_max=8, high_max=7)
    RiskConfig(low_max=5, medium_max=5, high_max=5)
    config = RiskConfig()
    with pytest.raises(ValidationError):
        config.low_max = 9
    assert config.low_max == 3  # a rejected assignment leaves the config as it was
    config.high_max = 9
    config.medium_max = 8
    assert (config.low_max, config.medium_max, config.high_max) == (3, 8, 9)


def test_every_level_has_a_decision():
    assert list(DECISIONS) == RISK_LEVELS
    assert DECISIONS["LOW"] == "auto-merge"
    assert DECISIONS["CRITICAL"] == "never"


@pytest.mark.parametrize("config", [DEFAULT, RiskConfig(low_max=2, medium_max=4, high_max=9)])
def test_frame_version_agrees_with_the_scalar_one_on_a_grid(config):
    grid = list(
        itertools.product(
            [None, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
            [True, False, None],
            [None, "low", "medium", "high"],
            [None, "security", "bug", "feature", "docs", "other"],
        )
    )
    frame = pl.DataFrame(
        grid,
        schema={
            "complexity": pl.Int64,
            "has_tests": pl.Boolean,
            "breaking_risk": pl.String,
            "category": pl.String,
        },
        orient="row",
    )
    out = with_risk(frame, config)
    assert out.columns == [*frame.columns, "risk", "decision"]
    for row in out.iter_rows(named=True):
        expected = risk_level(
            row["complexity"], row["has_tests"], row["breaking_risk"], row["category"], config
        )
        assert row["risk"] == expected, row
        assert row["decision"] == DECISIONS[expected]
