"""scoring/reach.py: exact reach against networkx, and the sketch estimate within its error."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from scoring.graph import graph_metrics
from scoring.impact import ImpactConfig
from scoring.reach import downstream_reach, relative_error, topological_levels
from tests.scoring.graph_frames import random_frames, structural_networkx


def _random_dag(n: int, m: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Edges from a higher to a lower index: dependents point at older, popular packages."""
    rng = np.random.default_rng(seed)
    source = rng.integers(1, n, m)
    target = (rng.random(m) ** 2 * source).astype(np.int64)  # skewed to low indices
    return source, target


def _networkx_reach(n: int, source: np.ndarray, target: np.ndarray) -> np.ndarray:
    graph = nx.DiGraph()
    graph.add_nodes_from(range(n))
    graph.add_edges_from(zip(source.tolist(), target.tolist(), strict=True))
    return np.array([len(nx.ancestors(graph, v)) for v in range(n)])


@pytest.mark.parametrize(("n", "m", "seed"), [(60, 120, 1), (300, 600, 2), (500, 1500, 3)])
def test_exact_agrees_with_networkx_ancestors_on_graphs_with_cycles(n, m, seed):
    nodes, edges = random_frames(n, m, seed)
    frame = graph_metrics(nodes, edges)
    graph = structural_networkx(nodes, edges)
    ours = dict(frame.select("entity_id", "downstream_reach").iter_rows())
    assert ours == {v: len(nx.ancestors(graph, v)) for v in graph}
    assert set(frame.get_column("reach_method")) == {"exact"}


def test_exact_in_many_bit_blocks(monkeypatch):
    monkeypatch.setattr("scoring.reach.CHUNK_BYTES", 64)  # one word per block, tiny chunks
    source, target = _random_dag(300, 900, 4)
    reach, method = downstream_reach(
        300, source, target, exact_max_nodes=300, sketch_size=32, seed=0
    )
    assert method == "exact"
    assert reach.tolist() == _networkx_reach(300, source, target).tolist()


def _with_cycles(n: int, m: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A random DAG plus edges back up the order (cycles) and repeated edges."""
    source, target = _random_dag(n, m, seed)
    back = m // 40
    return np.r_[source, target[:back], source[:back]], np.r_[target, source[:back], target[:back]]


def test_results_do_not_depend_on_chunk_sizes(monkeypatch):
    source, target = _with_cycles(400, 1600, 8)
    estimated = {"exact_max_nodes": 0, "sketch_size": 16, "seed": 3}
    whole, _ = downstream_reach(400, source, target, **estimated)
    monkeypatch.setattr("scoring.reach.CHUNK_BYTES", 64)  # one component or edge at a time
    chunked, _ = downstream_reach(400, source, target, **estimated)
    assert chunked.tolist() == whole.tolist()
    exact, method = downstream_reach(
        400, source, target, exact_max_nodes=400, sketch_size=16, seed=0
    )
    assert method == "exact"
    assert exact.tolist() == _networkx_reach(400, source, target).tolist()


def test_levels_are_longest_paths_from_nodes_nobody_depends_on():
    # 0 -> 1 -> 2 and 0 -> 2: node 2 sits at level 2, not 1
    levels = topological_levels(4, np.array([0, 1, 0]), np.array([1, 2, 2]))
    assert levels.tolist() == [0, 1, 2, 0]


def test_estimate_within_its_stated_error_on_a_mid_size_dag():
    n, k = 3000, 64
    source, target = _random_dag(n, 9000, 5)
    exact = _networkx_reach(n, source, target)
    errors = []
    for seed in range(4):
        estimate, method = downstream_reach(
            n, source, target, exact_max_nodes=0, sketch_size=k, seed=seed
        )
        assert method == "estimated"
        big = exact >= 50
        errors.append((estimate[big] - exact[big]) / exact[big])
        assert (estimate[exact == 0] == 0).all()  # nobody depends on them: exact
    errors = np.concatenate(errors)
    stated = relative_error(k)  # 1 / sqrt(k - 2) = 12.7 %
    assert np.sqrt(np.mean(errors**2)) < 1.3 * stated
    assert abs(np.mean(errors)) < stated / 2  # unbiased
    assert np.mean(np.abs(errors) < 2 * stated) > 0.85


def test_estimate_is_deterministic_per_seed():
    source, target = _random_dag(500, 1500, 6)
    kwargs = {"exact_max_nodes": 0, "sketch_size": 16}
    first, _ = downstream_reach(500, source, target, seed=1, **kwargs)
    again, _ = downstream_reach(500, source, target, seed=1, **kwargs)
    other, _ = downstream_reach(500, source, target, seed=2, **kwargs)
    assert first.tolist() == again.tolist()
    assert first.tolist() != other.tolist()


def test_estimate_keeps_cycle_members_together_and_within_bounds():
    # a 3-cycle everyone else depends on: its members reach each other and all others
    n = 50
    source = np.r_[0, 1, 2, np.arange(3, n)]
    target = np.r_[1, 2, 0, np.zeros(n - 3, dtype=int)]
    reach, _ = downstream_reach(n, source, target, exact_max_nodes=0, sketch_size=256, seed=0)
    assert reach[0] == reach[1] == reach[2]
    assert reach.max() <= n - 1
    assert abs(reach[0] - (n - 1)) <= 3 * relative_error(256) * (n - 1)


def test_metrics_frame_says_estimated_above_the_limit():
    nodes, edges = random_frames(200, 400, 7)
    config = ImpactConfig(reach_exact_max_nodes=100)
    frame = graph_metrics(nodes, edges, config)
    assert set(frame.get_column("reach_method")) == {"estimated"}
    assert frame.get_column("downstream_reach").min() >= 0


def test_empty_graph():
    reach, method = downstream_reach(
        0, np.zeros(0, int), np.zeros(0, int), exact_max_nodes=0, sketch_size=8, seed=0
    )
    assert (reach.size, method) == (0, "exact")
