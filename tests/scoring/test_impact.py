"""Tests for scoring/impact.py: impact from PageRank, dependents and downstream reach."""

from __future__ import annotations

import math

import polars as pl
import pytest
from pydantic import ValidationError

from scoring.graph import graph_metrics
from scoring.impact import ImpactConfig, score_impact

SCHEMA = {
    "entity_id": pl.String,
    "pagerank": pl.Float64,
    "dependents": pl.Int64,
    "downstream_reach": pl.Int64,
}

# log(1 + 9) / log(1 + 99) = 0.5
ROUND = ImpactConfig(dependents_threshold=99, reach_threshold=99)


def _metrics(*rows: tuple) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=SCHEMA, orient="row")


def _column(frame: pl.DataFrame, name: str) -> list:
    return frame.sort("entity_id").get_column(name).to_list()


def test_adds_components_and_keeps_input_columns():
    out = score_impact(_metrics(("a", 0.5, 1, 1)), ImpactConfig())
    assert out.columns == [
        "entity_id",
        "pagerank",
        "dependents",
        "downstream_reach",
        "betweenness",
        "pagerank_component",
        "dependents_component",
        "reach_component",
        "betweenness_component",
        "impact",
    ]


def test_pagerank_component_is_min_max_scaled():
    out = score_impact(_metrics(("a", 0.1, 0, 0), ("b", 0.5, 0, 0), ("c", 0.3, 0, 0)), ROUND)
    assert _column(out, "pagerank_component") == pytest.approx([0.0, 1.0, 0.5])


@pytest.mark.parametrize("pageranks", [[0.25, 0.25, 0.25], [1.0]])
def test_pagerank_component_is_zero_when_all_equal(pageranks):
    rows = [(f"n{i}", pr, 0, 0) for i, pr in enumerate(pageranks)]
    out = score_impact(_metrics(*rows), ROUND)
    assert out.get_column("pagerank_component").to_list() == [0.0] * len(pageranks)


def test_dependents_and_reach_are_log_scaled_against_thresholds():
    out = score_impact(
        _metrics(("a", 0.2, 0, 9), ("b", 0.2, 9, 99), ("c", 0.2, 500, 0)),
        ROUND,
    )
    assert _column(out, "dependents_component") == pytest.approx([0.0, 0.5, 1.0])
    assert _column(out, "reach_component") == pytest.approx([0.5, 1.0, 0.0])


def test_default_thresholds():
    out = score_impact(_metrics(("a", 0.2, 1, 10)), ImpactConfig())
    assert out.get_column("dependents_component").item() == pytest.approx(
        math.log(2) / math.log(1001)
    )
    assert out.get_column("reach_component").item() == pytest.approx(math.log(11) / math.log(10001))


def test_impact_is_weighted_mean_of_components():
    # pagerank_component [0, 1, 0.5], dependents_component [0.5, 0, 1],
    # reach_component [0, 1, 0.5]
    rows = [("a", 0.1, 9, 0), ("b", 0.5, 0, 99), ("c", 0.3, 99, 9)]
    equal = score_impact(_metrics(*rows), ROUND)
    assert _column(equal, "impact") == pytest.approx([0.5 / 3, 2 / 3, 2 / 3])
    heavy = ROUND.model_copy(update={"weight_pagerank": 2.0})
    weighted = score_impact(_metrics(*rows), heavy)
    assert _column(weighted, "impact") == pytest.approx([0.5 / 4, 3 / 4, 2.5 / 4])


def test_zero_weight_removes_component():
    config = ROUND.model_copy(update={"weight_pagerank": 0.0, "weight_reach": 0.0})
    out = score_impact(_metrics(("a", 0.1, 9, 99), ("b", 0.9, 0, 0)), config)
    assert _column(out, "impact") == pytest.approx([0.5, 0.0])


def test_impact_in_unit_interval_on_real_graph():
    nodes = pl.DataFrame({"entity_id": ["a", "b", "c", "d", "e", "f"]})
    edges = pl.DataFrame(
        {
            "source_id": ["a", "b", "c", "d", "e", "a", "d"],
            "target_id": ["b", "c", "a", "c", "c", "f", "f"],
            "dependency_kind": ["runtime", "runtime", "runtime", "dev", "optional", "peer", "x"],
        }
    )
    out = score_impact(graph_metrics(nodes, edges), ImpactConfig())
    components = ("pagerank_component", "dependents_component", "reach_component")
    for column in (*components, "betweenness_component", "impact"):
        values = out.get_column(column)
        assert values.null_count() == 0
        assert values.min() >= 0.0
        assert values.max() <= 1.0
    assert out.get_column("pagerank_component").max() == pytest.approx(1.0)
    assert out.get_column("pagerank_component").min() == pytest.approx(0.0)


def test_empty_metrics_give_empty_result():
    out = score_impact(_metrics(), ImpactConfig())
    assert out.height == 0
    assert "impact" in out.columns


def test_config_defaults():
    config = ImpactConfig()
    assert config.pagerank_damping == 0.85
    assert config.dependents_threshold == 1000.0
    assert config.reach_threshold == 10000.0
    assert (config.weight_pagerank, config.weight_dependents, config.weight_reach) == (1, 1, 1)
    assert config.weight_betweenness == 0.5
    assert config.betweenness_threshold == 1000.0
    assert (config.reach_exact_max_nodes, config.reach_sketch_size) == (20_000, 32)
    assert (config.betweenness_exact_max_nodes, config.betweenness_samples) == (2_000, 32)


@pytest.mark.parametrize("damping", [0.0, 1.0, -0.1, 1.5])
def test_config_rejects_damping_outside_open_unit_interval(damping):
    with pytest.raises(ValidationError, match="pagerank_damping"):
        ImpactConfig(pagerank_damping=damping)


@pytest.mark.parametrize("field", ["dependents_threshold", "reach_threshold"])
def test_config_rejects_negative_threshold(field):
    with pytest.raises(ValidationError, match=field):
        ImpactConfig(**{field: -10.0})


def test_config_rejects_negative_weight():
    with pytest.raises(ValidationError, match="weight_reach"):
        ImpactConfig(weight_reach=-1.0)


def test_config_rejects_unknown_key():
    with pytest.raises(ValidationError, match="extra_forbidden"):
        ImpactConfig(weight_closeness=1.0)


def test_config_from_json_as_the_warehouse_reads_it():
    config = ImpactConfig.model_validate_json('{"reach_threshold": 50}')
    assert config.reach_threshold == 50.0
    assert config.dependents_threshold == 1000.0
    with pytest.raises(ValidationError):
        ImpactConfig.model_validate_json('{"reach_treshold": 50}')


def _with_betweenness(*rows: tuple) -> pl.DataFrame:
    schema = {**SCHEMA, "betweenness": pl.Float64}
    return pl.DataFrame(list(rows), schema=schema, orient="row")


def test_betweenness_component_is_log_scaled_relative_to_the_most_central():
    # T = 99: b / b_max = 1 scores 1; 9 / 99 of it scores log(10) / log(100) = 0.5; 0 scores 0
    config = ROUND.model_copy(update={"betweenness_threshold": 99.0})
    rows = [("a", 0.2, 0, 0, 0.99), ("b", 0.2, 0, 0, 0.09), ("c", 0.2, 0, 0, 0.0)]
    out = score_impact(_with_betweenness(*rows), config)
    assert _column(out, "betweenness_component") == pytest.approx([1.0, 0.5, 0.0])


def test_betweenness_component_zero_when_no_node_is_between():
    out = score_impact(_with_betweenness(("a", 0.5, 0, 0, 0.0), ("b", 0.5, 0, 0, 0.0)), ROUND)
    assert out.get_column("betweenness_component").to_list() == [0.0, 0.0]


def test_betweenness_weighs_into_impact():
    # pagerank_component [1, 0], dependents and reach 0, betweenness_component [0, 1]
    rows = [("a", 0.9, 0, 0, 0.0), ("b", 0.1, 0, 0, 0.5)]
    config = ROUND.model_copy(update={"weight_betweenness": 2.0})
    out = score_impact(_with_betweenness(*rows), config)
    assert _column(out, "impact") == pytest.approx([1 / 5, 2 / 5])
    off = score_impact(_with_betweenness(*rows), ROUND.model_copy(update={"weight_betweenness": 0}))
    assert _column(off, "impact") == pytest.approx([1 / 3, 0.0])


def test_missing_betweenness_drops_out_of_impact():
    out = score_impact(_metrics(("a", 0.1, 9, 0), ("b", 0.5, 0, 99)), ROUND)
    assert out.get_column("betweenness_component").null_count() == 2
    assert _column(out, "impact") == pytest.approx([0.5 / 3, 2 / 3])


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("reach_sketch_size", 2),
        ("reach_exact_max_nodes", -1),
        ("betweenness_samples", 0),
        ("betweenness_exact_max_nodes", -5),
        ("betweenness_threshold", 0.0),
        ("weight_betweenness", -0.5),
    ],
)
def test_config_rejects_bad_graph_limits(field, value):
    with pytest.raises(ValidationError, match=field):
        ImpactConfig(**{field: value})
