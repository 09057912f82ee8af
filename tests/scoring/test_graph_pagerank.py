"""scoring/pagerank.py against networkx's own PageRank, on graphs with every awkward shape."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from scoring.graph import build_graph, graph_metrics, to_networkx
from scoring.impact import ImpactConfig
from scoring.pagerank import pagerank
from tests.scoring.graph_frames import random_frames


@pytest.mark.parametrize(("n", "m", "seed"), [(50, 60, 1), (300, 900, 2), (1000, 1500, 3)])
@pytest.mark.parametrize("alpha", [0.85, 0.6])
def test_agrees_with_networkx_on_random_graphs(n, m, seed, alpha):
    nodes, edges = random_frames(n, m, seed)
    graph = build_graph(nodes, edges)
    nx_graph = to_networkx(graph)
    assert any(nx_graph.out_degree(v) == 0 for v in nx_graph)  # dangling nodes present
    assert any(len(c) > 1 for c in nx.strongly_connected_components(nx_graph))  # cycles
    expected = nx.pagerank(nx_graph, alpha=alpha, weight="weight")
    config = ImpactConfig(pagerank_damping=alpha)
    ours = dict(graph_metrics(nodes, edges, config).select("entity_id", "pagerank").iter_rows())
    assert ours.keys() == expected.keys()
    assert max(abs(ours[k] - expected[k]) for k in expected) < 1e-6


def test_weights_change_the_ranking_as_networkx_does():
    # a splits its rank between b (weight 1) and c (weight 0.25)
    source, target = np.array([0, 0]), np.array([1, 2])
    ranks = pagerank(3, source, target, np.array([1.0, 0.25]), 0.85)
    graph = nx.DiGraph()
    graph.add_weighted_edges_from([(0, 1, 1.0), (0, 2, 0.25)])
    expected = nx.pagerank(graph, alpha=0.85)
    assert ranks.tolist() == pytest.approx([expected[i] for i in range(3)], abs=1e-9)
    assert ranks[1] > ranks[2] > ranks[0]


def test_all_dangling_is_uniform_and_empty_is_empty():
    assert pagerank(4, np.zeros(0, int), np.zeros(0, int), np.zeros(0), 0.85).tolist() == [0.25] * 4
    assert pagerank(0, np.zeros(0, int), np.zeros(0, int), np.zeros(0), 0.85).size == 0


def test_sums_to_one_when_iterations_run_out():
    source, target = np.arange(99), np.arange(1, 100)
    ranks = pagerank(100, source, target, np.ones(99), 0.85, max_iter=2)
    assert ranks.sum() == pytest.approx(1.0)
