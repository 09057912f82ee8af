"""PageRank by power iteration on a sparse matrix, with networkx's semantics.

`nx.pagerank(G, alpha, weight="weight")` builds a dense-free scipy matrix too, but from a Python
graph object; here the edges arrive as integer arrays, so a million nodes and ten million edges
cost a few hundred megabytes and a few seconds instead of tens of gigabytes of Python objects.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def pagerank(
    n: int,
    source: np.ndarray,
    target: np.ndarray,
    weight: np.ndarray,
    alpha: float,
    *,
    tol: float = 1e-6,
    max_iter: int = 100,
) -> np.ndarray:
    """Stationary distribution of the random surfer over `n` nodes; sums to 1.

    Same iteration, start vector and stopping rule as networkx: a uniform start, teleport and
    dangling mass spread uniformly (a node without out-edges hands its rank to everyone), stop
    when the L1 change is below `n * tol`. Edges must be deduplicated and weights positive.
    Unlike networkx, running out of iterations returns the last iterate instead of raising:
    with alpha < 1 the error after 100 iterations is below alpha**100 anyway.
    """
    if n == 0:
        return np.zeros(0)
    out_weight = np.bincount(source, weights=weight, minlength=n)
    dangling = out_weight == 0
    share = weight / out_weight[source]
    # transposed and row-normalised: ranks flow from the dependent (column) to its dependency
    matrix = sp.csr_array((share, (target, source)), shape=(n, n))
    rank = np.full(n, 1.0 / n)
    teleport = (1.0 - alpha) / n
    for _ in range(max_iter):
        last = rank
        rank = alpha * (matrix @ last + last[dangling].sum() / n) + teleport
        if np.abs(rank - last).sum() < n * tol:
            break
    return rank / rank.sum()
