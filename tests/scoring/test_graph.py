"""Tests for scoring/graph.py: the dependency graph, PageRank, dependents and reach.

Edges point from the dependent to its dependency: ("a", "b") means a depends on b.
"""

from __future__ import annotations

import polars as pl
import pytest

from scoring.graph import (
    METRICS_SCHEMA,
    build_graph,
    graph_metrics,
    prefer_service_dependents,
    to_networkx,
)
from scoring.impact import ImpactConfig

EDGE_SCHEMA = {"source_id": pl.String, "target_id": pl.String, "dependency_kind": pl.String}


def _nodes(*ids: str) -> pl.DataFrame:
    return pl.DataFrame({"entity_id": list(ids)}, schema={"entity_id": pl.String})


def _edges(*edges: tuple[str, str] | tuple[str, str, str]) -> pl.DataFrame:
    rows = [(e[0], e[1], e[2] if len(e) == 3 else "runtime") for e in edges]
    return pl.DataFrame(rows, schema=EDGE_SCHEMA, orient="row")


def _by_node(frame: pl.DataFrame) -> dict[str, dict]:
    return {row["entity_id"]: row for row in frame.to_dicts()}


def _edge_data(nodes: pl.DataFrame, edges: pl.DataFrame) -> dict[tuple[str, str], dict]:
    graph = to_networkx(build_graph(nodes, edges))
    return {(u, v): d for u, v, d in graph.edges(data=True)}


def test_build_graph_edges_point_dependent_to_dependency():
    assert _edge_data(_nodes("a", "b"), _edges(("a", "b"))) == {
        ("a", "b"): {"weight": 1.0, "structural": True}
    }


@pytest.mark.parametrize(
    ("kind", "weight", "structural"),
    [
        ("runtime", 1.0, True),
        ("build", 1.0, True),
        ("peer", 1.0, True),
        ("dev", 0.5, False),
        ("optional", 0.25, False),
        ("indirect", 0.5, False),
        (None, 0.5, False),
    ],
)
def test_build_graph_edge_weight_by_kind(kind, weight, structural):
    data = _edge_data(_nodes("a", "b"), _edges(("a", "b", kind)))
    assert data == {("a", "b"): {"weight": weight, "structural": structural}}


def test_build_graph_drops_self_loops():
    graph = build_graph(_nodes("a", "b"), _edges(("a", "a"), ("b", "b", "dev")))
    assert graph.n == 2
    assert graph.source.size == 0


@pytest.mark.parametrize("kinds", [("dev", "runtime"), ("runtime", "dev"), ("optional", "peer")])
def test_build_graph_duplicate_edges_keep_strongest(kinds):
    data = _edge_data(_nodes("a", "b"), _edges(("a", "b", kinds[0]), ("a", "b", kinds[1])))
    assert data == {("a", "b"): {"weight": 1.0, "structural": True}}


def test_build_graph_duplicate_non_structural_edges_stay_non_structural():
    data = _edge_data(_nodes("a", "b"), _edges(("a", "b", "optional"), ("a", "b", "dev")))
    assert data == {("a", "b"): {"weight": 0.5, "structural": False}}


def test_build_graph_many_duplicates_count_once():
    edges = _edges(*[("a", "b", "dev")] * 5, *[("c", "b")] * 4)
    graph = build_graph(_nodes("a", "b", "c"), edges)
    assert graph.source.size == 2
    metrics = _by_node(graph_metrics(_nodes("a", "b", "c"), edges))
    assert metrics["b"]["dependents"] == 1


def test_build_graph_keeps_isolated_nodes():
    graph = build_graph(_nodes("a", "b", "lonely"), _edges(("a", "b")))
    assert set(graph.ids.to_list()) == {"a", "b", "lonely"}


def test_build_graph_edge_end_missing_from_nodes_becomes_a_node():
    edges = _edges(("a", "b"), ("ghost", "a"), ("b", "zombie"))
    graph = build_graph(_nodes("a", "b"), edges)
    assert graph.ids.to_list() == ["a", "b", "ghost", "zombie"]
    assert set(_edge_data(_nodes("a", "b"), edges)) == {
        ("a", "b"),
        ("ghost", "a"),
        ("b", "zombie"),
    }


def test_build_graph_drops_edges_with_a_null_end_and_null_nodes():
    nodes = pl.DataFrame({"entity_id": ["a", None, "b"]})
    edges = pl.DataFrame(
        {"source_id": ["a", None, "a"], "target_id": ["b", "b", None]},
        schema={"source_id": pl.String, "target_id": pl.String},
    ).with_columns(dependency_kind=pl.lit("runtime"))
    graph = build_graph(nodes, edges)
    assert graph.ids.to_list() == ["a", "b"]
    assert (graph.source.tolist(), graph.target.tolist()) == ([0], [1])


def test_build_graph_duplicate_node_ids_are_one_node():
    graph = build_graph(_nodes("a", "b", "a"), _edges(("a", "b")))
    assert graph.ids.to_list() == ["a", "b"]


def test_build_graph_is_deterministic_whatever_the_edge_order():
    edges = _edges(("a", "b"), ("c", "b", "dev"), ("b", "d"), ("a", "d", "optional"))
    first = build_graph(_nodes("a", "b", "c", "d"), edges)
    second = build_graph(_nodes("a", "b", "c", "d"), edges.reverse())
    for name in ("source", "target", "weight", "structural"):
        assert getattr(first, name).tolist() == getattr(second, name).tolist()


def test_chain_dependents_and_reach():
    metrics = _by_node(graph_metrics(_nodes("a", "b", "c"), _edges(("a", "b"), ("b", "c"))))
    assert {n: (m["dependents"], m["downstream_reach"]) for n, m in metrics.items()} == {
        "a": (0, 0),
        "b": (1, 1),
        "c": (1, 2),
    }
    assert metrics["c"]["pagerank"] > metrics["b"]["pagerank"] > metrics["a"]["pagerank"]


def test_diamond_reach_counts_each_dependent_once():
    edges = _edges(("a", "b"), ("a", "c"), ("b", "d"), ("c", "d"))
    metrics = _by_node(graph_metrics(_nodes("a", "b", "c", "d"), edges))
    assert metrics["d"]["dependents"] == 2
    assert metrics["d"]["downstream_reach"] == 3  # a, b and c; a only once
    assert metrics["b"]["downstream_reach"] == 1
    assert metrics["a"]["downstream_reach"] == 0


def test_cycle_members_reach_each_other():
    edges = _edges(("x", "y"), ("y", "z"), ("z", "x"))
    metrics = _by_node(graph_metrics(_nodes("x", "y", "z"), edges))
    for node in ("x", "y", "z"):
        assert metrics[node]["dependents"] == 1
        assert metrics[node]["downstream_reach"] == 2
        assert metrics[node]["pagerank"] == pytest.approx(1 / 3)


def test_cycle_with_outside_dependent():
    edges = _edges(("w", "x"), ("x", "y"), ("y", "z"), ("z", "x"))
    metrics = _by_node(graph_metrics(_nodes("w", "x", "y", "z"), edges))
    assert metrics["w"]["downstream_reach"] == 0
    assert metrics["x"]["dependents"] == 2
    for node in ("x", "y", "z"):
        assert metrics[node]["downstream_reach"] == 3


def test_self_loop_does_not_count_as_dependent():
    metrics = _by_node(graph_metrics(_nodes("a"), _edges(("a", "a"))))
    assert metrics["a"]["dependents"] == 0
    assert metrics["a"]["downstream_reach"] == 0
    assert metrics["a"]["pagerank"] == pytest.approx(1.0)


def test_duplicate_dev_and_runtime_edge_counts_once_as_structural():
    edges = _edges(("a", "b", "dev"), ("a", "b", "runtime"))
    metrics = _by_node(graph_metrics(_nodes("a", "b"), edges))
    assert metrics["b"]["dependents"] == 1
    assert metrics["b"]["downstream_reach"] == 1


def test_dangling_node_has_pagerank_and_no_reach():
    metrics = _by_node(graph_metrics(_nodes("a", "b", "c"), _edges(("a", "b"))))
    assert metrics["c"]["pagerank"] > 0
    assert metrics["c"]["dependents"] == 0
    assert metrics["c"]["downstream_reach"] == 0


def test_dev_and_optional_edges_count_in_pagerank_only():
    edges = _edges(("a", "b", "dev"), ("c", "b", "optional"))
    metrics = _by_node(graph_metrics(_nodes("a", "b", "c"), edges))
    assert metrics["b"]["dependents"] == 0
    assert metrics["b"]["downstream_reach"] == 0
    assert metrics["b"]["pagerank"] > metrics["a"]["pagerank"]
    assert metrics["b"]["pagerank"] > metrics["c"]["pagerank"]
    assert metrics["b"]["pagerank"] > 1 / 3  # more than with no edges at all


def test_non_structural_edge_breaks_reach_chain():
    # a -dev-> b -runtime-> c: only b reaches c structurally
    edges = _edges(("a", "b", "dev"), ("b", "c"))
    metrics = _by_node(graph_metrics(_nodes("a", "b", "c"), edges))
    assert metrics["c"]["downstream_reach"] == 1
    assert metrics["b"]["downstream_reach"] == 0


def test_pagerank_two_nodes_exact():
    # a -> b with b dangling: p_a = (1 - d) / 2 + d * p_b / 2, p_a + p_b = 1 => p_a = 1 / (2 + d)
    for damping in (0.85, 0.5):
        config = ImpactConfig(pagerank_damping=damping)
        metrics = _by_node(graph_metrics(_nodes("a", "b"), _edges(("a", "b")), config))
        assert metrics["a"]["pagerank"] == pytest.approx(1 / (2 + damping), abs=1e-5)
        assert metrics["b"]["pagerank"] == pytest.approx(1 - 1 / (2 + damping), abs=1e-5)


def test_pagerank_most_depended_on_is_highest_and_sums_to_one():
    edges = _edges(("a", "hub"), ("b", "hub"), ("c", "hub"), ("c", "leaf"))
    frame = graph_metrics(_nodes("a", "b", "c", "hub", "leaf"), edges)
    metrics = _by_node(frame)
    assert frame.get_column("pagerank").sum() == pytest.approx(1.0, abs=1e-6)
    assert metrics["hub"]["dependents"] == 3
    assert max(metrics, key=lambda n: metrics[n]["pagerank"]) == "hub"
    assert metrics["leaf"]["pagerank"] > metrics["a"]["pagerank"]


def test_pagerank_flows_down_to_transitive_dependencies():
    edges = _edges(("a", "hub"), ("b", "hub"), ("c", "hub"), ("hub", "base"))
    metrics = _by_node(graph_metrics(_nodes("a", "b", "c", "hub", "base"), edges))
    assert metrics["base"]["dependents"] == 1
    assert metrics["base"]["downstream_reach"] == 4
    assert metrics["base"]["pagerank"] > metrics["hub"]["pagerank"] > metrics["a"]["pagerank"]


def test_output_schema_and_one_row_per_node():
    frame = graph_metrics(_nodes("a", "b", "c"), _edges(("a", "b")))
    assert frame.schema == pl.Schema(METRICS_SCHEMA)
    assert sorted(frame.get_column("entity_id").to_list()) == ["a", "b", "c"]


def test_empty_graph_returns_empty_frame_with_columns():
    frame = graph_metrics(_nodes(), _edges())
    assert frame.height == 0
    assert frame.schema == pl.Schema(METRICS_SCHEMA)


def test_a_services_dependents_count_wins_and_says_so():
    metrics = pl.DataFrame({"entity_id": ["a", "b"], "dependents": [3, 1]})
    counts = pl.DataFrame({"entity_id": ["a", "b"], "service_dependents": [90_000, None]})
    out = prefer_service_dependents(metrics, counts).sort("entity_id")
    assert out.rows() == [("a", 90_000, "service"), ("b", 1, "graph")]


@pytest.mark.parametrize(
    "counts",
    [
        {"entity_id": ["b", "a", "c", "a"], "service_dependents": [None, 90_000, 5, 7]},  # joined
        {"entity_id": ["a", "b"], "service_dependents": [90_000, None]},  # same order: aligned
    ],
)
def test_service_counts_apply_by_node_in_any_order(counts):
    metrics = pl.DataFrame({"entity_id": ["a", "b"], "dependents": [3, 1]})
    out = prefer_service_dependents(metrics, pl.DataFrame(counts)).sort("entity_id")
    assert out.rows() == [("a", 90_000, "service"), ("b", 1, "graph")]  # first count of a wins
