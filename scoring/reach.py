"""Downstream reach: how many nodes depend on each node, directly or transitively.

Both methods work on the condensation (strongly connected components from scipy, so the
members of a cycle share one answer) and push values along its edges level by level in
topological order, vectorised with numpy `reduceat` over the edges into each level:

- exact: one bit per node in blocks of 64-bit words; a component's set of ancestors is the OR
  of its dependents' sets. Cost grows with nodes x edges / 64, so it is for smaller graphs.
- estimated: Cohen's size-estimation framework (J. Comput. Syst. Sci. 1997). Every node draws k
  independent Exp(1) ranks; a component keeps, per rank, the minimum over its ancestors
  (min is idempotent, so paths counted twice do not matter). For a set of m nodes the k minima
  are Exp(m), and (k - 1) / sum(minima) is an unbiased estimate of m with relative standard
  error 1 / sqrt(k - 2): 18 % for k = 32, 12.7 % for k = 64. Reach enters impact on a log
  scale (threshold 10,000), where 18 % moves the component by under 0.02. Components nobody
  depends on are exact (0).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

# Temporary arrays per step stay near this size, whatever the graph.
CHUNK_BYTES = 128 * 1024 * 1024


def relative_error(sketch_size: int) -> float:
    """The estimate's relative standard error for a sketch of `sketch_size` ranks."""
    return 1.0 / np.sqrt(sketch_size - 2)


def downstream_reach(
    n: int,
    source: np.ndarray,
    target: np.ndarray,
    *,
    exact_max_nodes: int,
    sketch_size: int,
    seed: int,
) -> tuple[np.ndarray, str]:
    """Transitive dependents per node (int64) and the method used, "exact" or "estimated".

    Edges point from the dependent to its dependency and must carry no self-loops.
    """
    if n == 0:
        return np.zeros(0, dtype=np.int64), "exact"
    labels, count, dag_source, dag_target = condensation(n, source, target)
    levels = topological_levels(count, dag_source, dag_target)
    if n <= exact_max_nodes:
        return _exact(labels, count, dag_source, dag_target, levels), "exact"
    estimate = _estimated(labels, count, dag_source, dag_target, levels, sketch_size, seed)
    return estimate, "estimated"


def condensation(
    n: int, source: np.ndarray, target: np.ndarray
) -> tuple[np.ndarray, int, np.ndarray, np.ndarray]:
    """Component label per node, the component count, and the edges between components."""
    graph = sp.csr_array((np.ones(source.size, dtype=np.int8), (source, target)), shape=(n, n))
    count, labels = connected_components(graph, directed=True, connection="strong")
    labels = labels.astype(np.int64)
    dag_source, dag_target = labels[source], labels[target]
    between = dag_source != dag_target
    return labels, count, dag_source[between], dag_target[between]


def topological_levels(count: int, source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Longest path from a component nobody depends on (level 0), by Kahn's algorithm."""
    levels = np.zeros(count, dtype=np.int64)
    indegree = np.bincount(target, minlength=count)
    order = np.argsort(source, kind="stable")
    by_source = target[order]
    starts = np.searchsorted(source[order], np.arange(count + 1))
    frontier = np.flatnonzero(indegree == 0)
    level = 0
    while frontier.size:
        levels[frontier] = level
        successors = by_source[_ranges(starts[frontier], starts[frontier + 1])]
        np.subtract.at(indegree, successors, 1)
        frontier = np.unique(successors[indegree[successors] == 0])
        level += 1
    return levels


def _ranges(starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    """Concatenated arange(start, stop) for each pair, without a Python loop."""
    lengths = stops - starts
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
    return offsets + np.arange(total)


def propagate(
    values: np.ndarray,
    source: np.ndarray,
    target: np.ndarray,
    levels: np.ndarray,
    combine: np.ufunc,
) -> None:
    """values[:, t] = combine(values[:, t], values[:, s]) for every edge s -> t, in order.

    `values` is (width, components): one contiguous row per sketch rank or bit word, so each
    1-D gather and `reduceat` works on a row that stays in cache. `combine` is associative,
    commutative and idempotent (OR, maximum), so duplicate paths do not matter.
    """
    if source.size == 0:
        return
    order = np.argsort(levels[target] * (levels.size + 1) + target, kind="stable")
    source, target = source[order], target[order]
    edge_levels = levels[target]
    bounds = np.flatnonzero(np.diff(edge_levels)) + 1
    for begin, end in zip(np.r_[0, bounds], np.r_[bounds, source.size], strict=True):
        src, tgt = source[begin:end], target[begin:end]
        firsts = np.flatnonzero(np.r_[True, tgt[1:] != tgt[:-1]])
        heads = tgt[firsts]
        for row in values:
            row[heads] = combine(row[heads], combine.reduceat(row[src], firsts))


def _exact(
    labels: np.ndarray,
    count: int,
    dag_source: np.ndarray,
    dag_target: np.ndarray,
    levels: np.ndarray,
) -> np.ndarray:
    """Ancestor sets as bitsets over the nodes, one block of node bits at a time."""
    n = labels.size
    words = max(1, min((n + 63) // 64, CHUNK_BYTES // (8 * max(count, 1))))
    block = 64 * words
    inclusive = np.zeros(count, dtype=np.int64)
    for start in range(0, n, block):
        nodes = np.arange(start, min(start + block, n))
        offset = nodes - start
        bits = np.zeros((words, count), dtype=np.uint64)
        np.bitwise_or.at(
            bits,
            (offset // 64, labels[nodes]),
            np.left_shift(np.uint64(1), (offset % 64).astype(np.uint64)),
        )
        propagate(bits, dag_source, dag_target, levels, np.bitwise_or)
        inclusive += np.bitwise_count(bits).sum(axis=0, dtype=np.int64)
    # the node itself is among its component's ancestors-or-self; cycle peers count
    return inclusive[labels] - 1


def _estimated(
    labels: np.ndarray,
    count: int,
    dag_source: np.ndarray,
    dag_target: np.ndarray,
    levels: np.ndarray,
    sketch_size: int,
    seed: int,
) -> np.ndarray:
    """Cohen's k-minimum rank estimate of each component's ancestors-or-self count."""
    rng = np.random.default_rng(seed)
    order = np.argsort(labels, kind="stable")
    sorted_labels = labels[order]
    firsts = np.flatnonzero(np.r_[True, sorted_labels[1:] != sorted_labels[:-1]])
    sketch = np.empty((sketch_size, count), dtype=np.uint16)
    chunk = max(1, CHUNK_BYTES // (8 * sketch_size))
    # ranks per node drawn in node order, then reduced per component (labels are 0..count-1)
    for lo in range(0, firsts.size, chunk):
        hi = min(firsts.size, lo + chunk)
        first, last = firsts[lo], (firsts[hi] if hi < firsts.size else labels.size)
        ranks = _encode(rng.standard_exponential((last - first, sketch_size), np.float32))
        reduced = np.maximum.reduceat(ranks, firsts[lo:hi] - first, axis=0)
        sketch[:, sorted_labels[firsts[lo:hi]]] = reduced.T
    propagate(sketch, dag_source, dag_target, levels, np.maximum)
    sizes = np.bincount(labels, minlength=count)
    estimate = (sketch_size - 1) / _decode(sketch).sum(axis=0, dtype=np.float64)
    has_dependents = np.zeros(count, dtype=bool)
    has_dependents[dag_target] = True
    inclusive = np.where(has_dependents, np.maximum(np.rint(estimate), sizes), sizes)
    return np.minimum(inclusive.astype(np.int64)[labels] - 1, labels.size - 1)


# Ranks travel as 16-bit codes of -log2(rank), half the memory traffic of float32: a larger
# code is a smaller rank, so the minimum rank is the maximum code. Steps of 2^(1/1024) (0.07 %)
# from 2^8 down to 2^-56 cover every Exp(1) draw that is not astronomically unlikely.
RANK_OFFSET, RANK_STEPS = 8.0, 1024.0


def _encode(ranks: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):  # a rank of exactly 0 becomes the largest code
        codes = (np.float32(RANK_OFFSET) - np.log2(ranks)) * np.float32(RANK_STEPS)
    np.clip(codes, 0, np.iinfo(np.uint16).max, out=codes)
    return codes.astype(np.uint16)  # truncation: the floor of a non-negative code


def _decode(codes: np.ndarray) -> np.ndarray:
    """The rank in the middle of each code's step, by table lookup (65,536 entries)."""
    steps = np.arange(np.iinfo(np.uint16).max + 1)
    table = np.exp2(RANK_OFFSET - (steps + 0.5) / RANK_STEPS).astype(np.float32)
    return table[codes]
