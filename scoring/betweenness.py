"""Betweenness centrality by Brandes' algorithm, many sources at once as sparse matrix products.

For a batch of b sources, the breadth-first search is a sparse (b x n) frontier times the
(n x n) adjacency matrix per level, and the dependency accumulation runs the levels backwards,
the rows of one level times the next level's coefficients (the "algebraic" Brandes of Buluc
and Gilbert's Combinatorial BLAS), so the inner loops run in scipy's C++ and touch each
reached edge a constant number of times.

Exact: every node is a source. Sampled (Brandes and Pich, 2007): k sources drawn uniformly
without replacement from a seeded generator, their dependencies scaled by n / k, which is
unbiased for every node's betweenness; its spread shrinks like 1 / sqrt(k).
Paths are directed and unweighted (hop counts); values are normalised as networkx's
`betweenness_centrality(normalized=True)` does for directed graphs, by 1 / ((n - 1)(n - 2)), and
clipped to 1 because a sampled estimate can overshoot.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

# Cells of the dense per-batch arrays (distance, path counts, dependencies) at once.
BATCH_CELLS = 8_000_000


def betweenness(
    n: int,
    source: np.ndarray,
    target: np.ndarray,
    *,
    exact_max_nodes: int,
    samples: int,
    seed: int,
) -> tuple[np.ndarray, str, int]:
    """Normalised betweenness per node, the method ("exact" or "sampled") and sources used.

    Edges must be deduplicated and carry no self-loops.
    """
    if n <= exact_max_nodes or samples >= n:
        starts, method = np.arange(n), "exact"
    else:
        rng = np.random.default_rng(seed)
        starts, method = np.sort(rng.choice(n, size=samples, replace=False)), "sampled"
    if n <= 2 or source.size == 0:
        return np.zeros(n), method, int(starts.size)
    adjacency = sp.csr_array((np.ones(source.size), (source, target)), shape=(n, n))
    total = np.zeros(n)
    batch = max(1, BATCH_CELLS // n)
    for lo in range(0, starts.size, batch):
        total += _dependencies(adjacency, starts[lo : lo + batch])
    scale = (n / starts.size) / ((n - 1) * (n - 2))
    return np.minimum(total * scale, 1.0), method, int(starts.size)


def _dependencies(adjacency: sp.csr_array, starts: np.ndarray) -> np.ndarray:
    """Sum over `starts` of Brandes' dependency delta_s(v), per node v."""
    b, n = starts.size, adjacency.shape[0]
    rows = np.arange(b)
    distance = np.full((b, n), -1, dtype=np.int32)
    paths = np.zeros((b, n))
    distance[rows, starts] = 0
    paths[rows, starts] = 1.0
    frontier = sp.csr_array((np.ones(b), (rows, starts)), shape=(b, n))
    levels: list[tuple[np.ndarray, np.ndarray]] = []
    depth = 0
    while frontier.nnz:
        reached = (frontier @ adjacency).tocoo()
        r, c, counts = reached.row, reached.col, reached.data
        fresh = distance[r, c] == -1
        r, c, counts = r[fresh], c[fresh], counts[fresh]
        depth += 1
        distance[r, c] = depth
        paths[r, c] = counts
        levels.append((r, c))
        frontier = sp.csr_array((counts, (r, c)), shape=(b, n))
    delta = np.zeros((b, n))
    # levels[d] holds the nodes at distance d + 1; the sources themselves get no dependency.
    # Each step pushes (1 + delta) / paths of one level back along the out-edges of the level
    # before it, so only edges between consecutive levels of the search are touched.
    for d in range(len(levels) - 1, 0, -1):
        r, c = levels[d]
        coefficient = sp.csr_array(((1.0 + delta[r, c]) / paths[r, c], (c, r)), shape=(n, b))
        pr, pc = levels[d - 1]
        parents = np.unique(pc)
        pulled = (adjacency[parents] @ coefficient).toarray()
        delta[pr, pc] += paths[pr, pc] * pulled[np.searchsorted(parents, pc), pr]
    return delta.sum(axis=0)
