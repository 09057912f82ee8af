"""Tests for scoring/solvability.py: each component's direction, bounds and null handling."""

from __future__ import annotations

import math

import polars as pl
import pytest
from pydantic import ValidationError

from scoring.solvability import SolvabilityConfig, score_solvability

SCHEMA = {
    "issue_id": pl.String,
    "complexity": pl.Int64,
    "has_tests": pl.Boolean,
    "coverage": pl.Float64,
    "code_lines": pl.Int64,
    "scope_files": pl.Int64,
    "breaking_risk": pl.String,
}


def _issues(*rows: tuple) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=SCHEMA, orient="row")


def _by_issue(frame: pl.DataFrame) -> dict[str, dict]:
    return {row["issue_id"]: row for row in frame.to_dicts()}


def test_complexity_is_linear_from_one_to_ten():
    frame = _issues(*((str(c), c, None, None, None, None, None) for c in (1, 4, 10, 0, 12)))
    out = _by_issue(score_solvability(frame, SolvabilityConfig()))
    assert out["1"]["solvability_complexity"] == pytest.approx(1.0)
    assert out["4"]["solvability_complexity"] == pytest.approx(6 / 9)
    assert out["10"]["solvability_complexity"] == pytest.approx(0.0)
    assert out["0"]["solvability_complexity"] == pytest.approx(1.0)  # clipped to 1
    assert out["12"]["solvability_complexity"] == pytest.approx(0.0)  # clipped to 10
    assert out["4"]["solvability"] == pytest.approx(6 / 9)  # the only signal


def test_tests_component_prefers_coverage_over_the_flag():
    frame = _issues(
        ("flag", None, True, None, None, None, None),
        ("none", None, False, None, None, None, None),
        ("cov", None, True, 0.4, None, None, None),
        ("over", None, None, 1.7, None, None, None),
    )
    out = _by_issue(score_solvability(frame, SolvabilityConfig()))
    assert out["flag"]["solvability_tests"] == pytest.approx(1.0)
    assert out["none"]["solvability_tests"] == pytest.approx(0.0)
    assert out["cov"]["solvability_tests"] == pytest.approx(0.4)
    assert out["over"]["solvability_tests"] == pytest.approx(1.0)


def test_size_and_scope_are_flipped_log_scales():
    frame = _issues(
        ("i", None, None, None, 1000, 2, None), ("big", None, None, None, 10**7, 99, None)
    )
    out = _by_issue(score_solvability(frame, SolvabilityConfig()))
    assert out["i"]["solvability_size"] == pytest.approx(1 - math.log(1001) / math.log(100_001))
    assert out["i"]["solvability_scope"] == pytest.approx(1 - math.log(3) / math.log(21))
    assert out["big"]["solvability_size"] == pytest.approx(0.0)
    assert out["big"]["solvability_scope"] == pytest.approx(0.0)


def test_breaking_risk_levels_and_unknown_values():
    frame = _issues(
        *(
            (b or "null", None, None, None, None, None, b)
            for b in ("low", "medium", "HIGH", "huh", None)
        )
    )
    out = _by_issue(score_solvability(frame, SolvabilityConfig()))
    assert out["low"]["solvability_breaking"] == pytest.approx(1.0)
    assert out["medium"]["solvability_breaking"] == pytest.approx(0.5)
    assert out["HIGH"]["solvability_breaking"] == pytest.approx(0.0)
    assert out["huh"]["solvability_breaking"] is None
    assert out["null"]["solvability"] is None


def test_easy_issue_outranks_hard_one_and_stays_in_bounds():
    frame = _issues(
        ("easy", 1, True, 0.9, 500, 1, "low"),
        ("hard", 9, False, None, 500_000, 40, "high"),
    )
    out = _by_issue(score_solvability(frame, SolvabilityConfig()))
    assert out["easy"]["solvability"] > 0.8
    assert out["hard"]["solvability"] < 0.1
    for row in out.values():
        assert 0.0 <= row["solvability"] <= 1.0


def test_missing_input_columns_are_null_and_drop_out():
    frame = pl.DataFrame({"issue_id": ["i"], "complexity": [1], "repo_id": ["r"]})
    out = score_solvability(frame).row(0, named=True)
    assert out["repo_id"] == "r"
    assert out["solvability_tests"] is None
    assert out["solvability"] == pytest.approx(1.0)


def test_config_rejects_bad_values():
    with pytest.raises(ValidationError):
        SolvabilityConfig(code_lines_threshold=0)
    with pytest.raises(ValidationError):
        SolvabilityConfig(weight_scope=-1)
    with pytest.raises(ValidationError):
        SolvabilityConfig(extra=1)
