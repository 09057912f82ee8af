"""Tests for scoring/priority.py: the weighted PriorityScore and its rank."""

from __future__ import annotations

import polars as pl
import pytest
from pydantic import ValidationError

from scoring.priority import TERMS, PriorityWeights, score_priority

SCHEMA = {"entity_id": pl.String} | {term: pl.Float64 for term in TERMS}


def _scores(*rows: tuple) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=SCHEMA, orient="row")


def _by_entity(frame: pl.DataFrame) -> dict[str, dict]:
    return {row["entity_id"]: row for row in frame.to_dicts()}


def test_default_weights_and_redundancy_subtracts():
    #              health impact solvability urgency redundancy
    frame = _scores(
        ("low", 0.5, 0.5, 0.5, 0.5, 1.0),
        ("top", 1.0, 1.0, 1.0, 1.0, 0.0),
        ("neg", 0.0, 0.0, 0.0, 0.0, 1.0),
    )
    out = _by_entity(score_priority(frame, PriorityWeights()))
    # the positive weights present: 1 + 1.5 + 1 + 1 = 4.5; redundancy subtracts from their mean
    assert out["top"]["priority"] == pytest.approx(4.5 / 4.5)
    assert out["low"]["priority"] == pytest.approx((0.5 + 0.75 + 0.5 + 0.5 - 0.5) / 4.5)
    assert out["neg"]["priority"] == pytest.approx(-0.5 / 4.5)


def test_rank_one_is_highest_priority_and_output_sorted_by_rank():
    frame = _scores(
        ("mid", 0.5, 0.5, 0.5, 0.5, 0.0),
        ("low", 0.1, 0.1, 0.1, 0.1, 0.0),
        ("top", 0.9, 0.9, 0.9, 0.9, 0.0),
    )
    out = score_priority(frame, PriorityWeights())
    assert out.get_column("entity_id").to_list() == ["top", "mid", "low"]
    assert out.get_column("rank").to_list() == [1, 2, 3]
    assert out.schema["rank"] == pl.Int64


def test_no_redundancy_ranks_the_same_as_redundancy_never_measured():
    frame = _scores(("unique", 0.5, 0.5, 0.5, 0.5, 0.0), ("unknown", 0.5, 0.5, 0.5, 0.5, None))
    out = _by_entity(score_priority(frame, PriorityWeights()))
    assert out["unique"]["priority"] == pytest.approx(out["unknown"]["priority"])


def test_redundancy_lowers_rank():
    frame = _scores(("dup", 0.5, 0.5, 0.5, 0.5, 1.0), ("unique", 0.5, 0.5, 0.5, 0.5, 0.0))
    out = score_priority(frame, PriorityWeights())
    assert out.get_column("entity_id").to_list() == ["unique", "dup"]


def test_missing_term_columns_become_null_and_drop_out():
    frame = pl.DataFrame({"entity_id": ["a"], "health": [0.4], "impact": [0.8]})
    out = score_priority(frame, PriorityWeights())
    row = out.to_dicts()[0]
    for term in ("solvability", "urgency", "redundancy"):
        assert term in out.columns
        assert out.schema[term] == pl.Float64
        assert row[term] is None
    # (1 * 0.4 + 1.5 * 0.8) / (1 + 1.5)
    assert row["priority"] == pytest.approx(1.6 / 2.5)
    assert row["rank"] == 1


def test_null_term_drops_out_of_one_row_only():
    frame = _scores(("a", 0.4, None, None, None, None), ("b", 0.4, 0.0, None, None, None))
    out = _by_entity(score_priority(frame, PriorityWeights()))
    assert out["a"]["priority"] == pytest.approx(0.4)  # not 0.4 / 2.5
    assert out["b"]["priority"] == pytest.approx(0.4 / 2.5)


def test_only_redundancy_present_gives_negative_priority():
    frame = _scores(("a", None, None, None, None, 0.6))
    assert score_priority(frame, PriorityWeights()).item(0, "priority") == pytest.approx(-0.6)


def test_no_terms_gives_null_priority_ranked_last():
    frame = _scores(("empty", None, None, None, None, None), ("x", 0.0, 0.0, 0.0, 0.0, 1.0))
    out = score_priority(frame, PriorityWeights())
    assert out.get_column("entity_id").to_list() == ["x", "empty"]
    assert out.get_column("priority").to_list() == [pytest.approx(-0.5 / 4.5), None]
    assert out.get_column("rank").to_list() == [1, None]


def test_zero_weight_ignores_term():
    frame = _scores(("a", 1.0, 0.0, None, None, None))
    weights = PriorityWeights(impact=0.0)
    assert score_priority(frame, weights).item(0, "priority") == pytest.approx(1.0)


def test_custom_negative_weight_on_any_term():
    frame = _scores(("a", 0.5, 1.0, None, None, None))
    weights = PriorityWeights(health=-1.0, impact=1.0)
    # (-1 * 0.5 + 1 * 1.0) / 1: a negative weight is a penalty on the positive terms' mean
    assert score_priority(frame, weights).item(0, "priority") == pytest.approx(0.5)


def test_ties_get_distinct_consecutive_ranks():
    # fct_priority declares rank unique and not null
    frame = _scores(("a", 0.5, None, None, None, None), ("b", 0.5, None, None, None, None))
    out = score_priority(frame, PriorityWeights())
    assert sorted(out.get_column("rank").to_list()) == [1, 2]


def test_keeps_extra_columns():
    frame = _scores(("a", 0.5, None, None, None, None)).with_columns(name=pl.lit("repo"))
    out = score_priority(frame, PriorityWeights())
    assert out.item(0, "name") == "repo"
    assert {"priority", "rank"} <= set(out.columns)


def test_weights_defaults_follow_design():
    assert PriorityWeights().model_dump() == {
        "health": 1.0,
        "impact": 1.5,
        "solvability": 1.0,
        "urgency": 1.0,
        "redundancy": -0.5,
    }
    assert list(PriorityWeights.model_fields) == TERMS


def test_weights_reject_unknown_key():
    with pytest.raises(ValidationError, match="extra_forbidden"):
        PriorityWeights(popularity=1.0)


def test_weights_validate_assignment():
    weights = PriorityWeights()
    with pytest.raises(ValidationError):
        weights.health = "very"
