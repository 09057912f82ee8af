"""Tests for scoring/components.py: criticality log scaling and the null-aware weighted mean."""

from __future__ import annotations

import math

import polars as pl
import pytest

from scoring.components import log_scaled, weighted_mean


def _scaled(values: list, threshold: float, *, flip: bool = False) -> list:
    frame = pl.DataFrame({"x": values}, schema={"x": pl.Int64})
    return frame.select(log_scaled(pl.col("x"), threshold, flip=flip)).to_series().to_list()


def _mean(data: dict, components: dict[str, float]) -> list:
    frame = pl.DataFrame(data, schema={name: pl.Float64 for name in data})
    return frame.select(weighted_mean(components).alias("m")).to_series().to_list()


def test_log_scaled_matches_criticality_formula():
    # log(1 + 9) / log(1 + 99) = log(10) / log(100) = 0.5
    assert _scaled([0, 9, 99, 1], 99) == pytest.approx([0.0, 0.5, 1.0, math.log(2) / math.log(100)])


def test_log_scaled_clips_above_threshold_and_below_zero():
    assert _scaled([500, 100, -5], 99) == pytest.approx([1.0, 1.0, 0.0])


def test_log_scaled_flip_is_one_minus_value():
    expected = [1.0, 0.5, 0.0, 1 - math.log(2) / math.log(100), 0.0]
    assert _scaled([0, 9, 99, 1, 1000], 99, flip=True) == pytest.approx(expected)


def test_log_scaled_keeps_nulls_null():
    assert _scaled([None, 9], 99) == [None, pytest.approx(0.5)]
    assert _scaled([None], 99, flip=True) == [None]


def test_log_scaled_returns_float_for_integer_input():
    frame = pl.DataFrame({"x": [3]}, schema={"x": pl.Int64})
    out = frame.select(log_scaled(pl.col("x"), 15).alias("v"))
    assert out.schema["v"] == pl.Float64
    assert out.item() == pytest.approx(0.5)  # log(4) / log(16)


@pytest.mark.parametrize("threshold", [0, -1.0])
def test_log_scaled_rejects_non_positive_threshold(threshold):
    with pytest.raises(ValueError, match="threshold must be positive"):
        log_scaled(pl.col("x"), threshold)


def test_weighted_mean_weights_each_component():
    # (1 * 0.2 + 3 * 0.6) / (1 + 3) = 0.5
    assert _mean({"a": [0.2], "b": [0.6]}, {"a": 1.0, "b": 3.0}) == [pytest.approx(0.5)]


def test_weighted_mean_null_component_drops_out_instead_of_counting_as_zero():
    data = {"a": [0.2, None], "b": [None, 0.6]}
    # row 0: only a is present -> 0.2 (not 0.2 / 4); row 1: only b -> 0.6
    assert _mean(data, {"a": 1.0, "b": 3.0}) == pytest.approx([0.2, 0.6])


def test_weighted_mean_all_null_gives_null():
    assert _mean({"a": [None, 0.4], "b": [None, None]}, {"a": 1.0, "b": 1.0}) == [
        None,
        pytest.approx(0.4),
    ]


def test_weighted_mean_ignores_zero_weight_columns():
    # b has weight 0: it neither adds to the numerator nor to the denominator
    assert _mean({"a": [0.2], "b": [1.0]}, {"a": 1.0, "b": 0.0}) == [pytest.approx(0.2)]


def test_weighted_mean_zero_weight_column_may_be_absent():
    assert _mean({"a": [0.3]}, {"a": 2.0, "not_a_column": 0.0}) == [pytest.approx(0.3)]


def test_weighted_mean_all_zero_or_no_weights_gives_null():
    assert _mean({"a": [0.3]}, {"a": 0.0}) == [None]
    assert _mean({"a": [0.3]}, {}) == [None]


def test_weighted_mean_negative_weight_is_a_penalty_on_the_positive_mean():
    # (1 * 0.8 - 1 * 0.4) / |1|: the penalty does not join the denominator
    assert _mean({"a": [0.8], "r": [0.4]}, {"a": 1.0, "r": -1.0}) == [pytest.approx(0.4)]
    # a penalty of 0 is the same as none measured
    assert _mean({"a": [0.8], "r": [0.0]}, {"a": 1.0, "r": -1.0}) == [pytest.approx(0.8)]


def test_weighted_mean_negative_weight_null_drops_out():
    assert _mean({"a": [0.8], "r": [None]}, {"a": 1.0, "r": -1.0}) == [pytest.approx(0.8)]


def test_weighted_mean_only_negative_term_present_is_negative():
    assert _mean({"a": [None], "r": [0.4]}, {"a": 1.0, "r": -0.5}) == [pytest.approx(-0.4)]
