"""scoring/betweenness.py: exact Brandes against networkx, and the seeded source sample."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from scoring.betweenness import betweenness
from scoring.graph import graph_metrics
from tests.scoring.graph_frames import random_frames, structural_networkx


def _random_dag(n: int, m: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, n, m), rng.integers(0, n, m)
    pairs = {(int(min(x, y)), int(max(x, y))) for x, y in zip(a, b, strict=True) if x != y}
    source, target = np.array(sorted(pairs)).T
    return source, target


def _networkx(n: int, source: np.ndarray, target: np.ndarray) -> np.ndarray:
    graph = nx.DiGraph()
    graph.add_nodes_from(range(n))
    graph.add_edges_from(zip(source.tolist(), target.tolist(), strict=True))
    found = nx.betweenness_centrality(graph, normalized=True)
    return np.array([found[i] for i in range(n)])


@pytest.mark.parametrize(("n", "m", "seed"), [(40, 80, 1), (200, 500, 2), (400, 700, 3)])
def test_exact_agrees_with_networkx_on_graphs_with_cycles(n, m, seed):
    nodes, edges = random_frames(n, m, seed)
    frame = graph_metrics(nodes, edges)
    graph = structural_networkx(nodes, edges)
    expected = nx.betweenness_centrality(graph, normalized=True)
    ours = dict(frame.select("entity_id", "betweenness").iter_rows())
    assert max(abs(ours[k] - expected[k]) for k in expected) < 1e-9
    assert set(frame.get_column("betweenness_method")) == {"exact"}
    assert set(frame.get_column("betweenness_samples")) == {n}


def test_path_middle_node_carries_the_paths():
    values, method, used = betweenness(
        3, np.array([0, 1]), np.array([1, 2]), exact_max_nodes=10, samples=1, seed=0
    )
    # one ordered pair (0, 2) of (n - 1)(n - 2) = 2 passes through node 1
    assert values.tolist() == [0.0, 0.5, 0.0]
    assert (method, used) == ("exact", 3)


@pytest.mark.parametrize("n", [0, 1, 2])
def test_tiny_graphs_have_zero_betweenness(n):
    edges = np.array([0]) if n == 2 else np.zeros(0, int)
    values, _, _ = betweenness(n, edges, edges + 1, exact_max_nodes=10, samples=5, seed=0)
    assert values.tolist() == [0.0] * n


def test_sampled_is_deterministic_per_seed_and_says_how_many_sources():
    source, target = _random_dag(600, 3000, 7)
    kwargs = {"exact_max_nodes": 100, "samples": 50}
    first, method, used = betweenness(600, source, target, seed=3, **kwargs)
    again, _, _ = betweenness(600, source, target, seed=3, **kwargs)
    other, _, _ = betweenness(600, source, target, seed=4, **kwargs)
    assert (method, used) == ("sampled", 50)
    assert first.tolist() == again.tolist()
    assert first.tolist() != other.tolist()
    assert first.min() >= 0.0 and first.max() <= 1.0


def test_sample_of_every_node_is_exact():
    source, target = _random_dag(150, 500, 8)
    exact = _networkx(150, source, target)
    every, method, used = betweenness(150, source, target, exact_max_nodes=0, samples=150, seed=0)
    assert (method, used) == ("exact", 150)
    assert np.abs(every - exact).max() < 1e-12


def test_sampled_estimate_tracks_exact_values():
    source, target = _random_dag(800, 4000, 9)
    exact = _networkx(800, source, target)
    sampled, _, _ = betweenness(800, source, target, exact_max_nodes=0, samples=200, seed=1)
    assert np.corrcoef(exact, sampled)[0, 1] > 0.85
    top = np.argsort(exact)[-20:]  # the nodes betweenness is about: within 25 % on average
    assert np.mean(np.abs(sampled[top] - exact[top]) / exact[top]) < 0.25
    assert abs(sampled.sum() / exact.sum() - 1) < 0.1  # unbiased: totals agree
