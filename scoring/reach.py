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

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

# Temporary arrays per step stay near this size, whatever the graph; the rows a propagation
# step gathers, near a 32nd of it (4 MiB, in cache when they are reduced).
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
    dag = LevelDag.build(count, dag_source, dag_target)
    if n <= exact_max_nodes:
        return _exact(labels, dag), "exact"
    return _estimated(labels, dag, sketch_size, seed), "estimated"


def condensation(
    n: int, source: np.ndarray, target: np.ndarray
) -> tuple[np.ndarray, int, np.ndarray, np.ndarray]:
    """Component label per node, the component count, and the edges between components."""
    data = np.ones(source.size, dtype=np.int8)
    if 0 < source.size < 2**31 and (source[1:] >= source[:-1]).all():  # as build_graph sorts
        indptr = np.zeros(n + 1, dtype=np.int32)  # scipy's csgraph works on int32 indices
        np.cumsum(np.bincount(source, minlength=n), out=indptr[1:])
        graph = sp.csr_array((data, target.astype(np.int32, copy=False), indptr), shape=(n, n))
    else:
        graph = sp.csr_array((data, (source, target)), shape=(n, n))
    count, labels = connected_components(graph, directed=True, connection="strong")
    dag_source, dag_target = labels[source], labels[target]
    between = dag_source != dag_target
    return labels, count, dag_source[between], dag_target[between]


def _by_first(count: int, first: np.ndarray, second: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pairs grouped by `first`, duplicates merged (scipy's CSR conversion, a counting sort
    in C): offsets per `first` and the `second` of each pair."""
    grouped = sp.csr_array((np.ones(first.size, dtype=bool), (first, second)), shape=(count, count))
    return grouped.indptr.astype(np.int64), grouped.indices


def topological_levels(count: int, source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Longest path from a component nobody depends on (level 0), by Kahn's algorithm."""
    levels = np.zeros(count, dtype=np.int64)
    starts, by_source = _by_first(count, source, target)
    indegree = np.bincount(by_source, minlength=count)
    frontier = np.flatnonzero(indegree == 0)
    level = 0
    while frontier.size:
        levels[frontier] = level
        successors = by_source[_ranges(starts[frontier], starts[frontier + 1])]
        if successors.size * 16 >= count:  # a wide level: one pass over every component
            removed = np.bincount(successors, minlength=count)
            indegree -= removed
            frontier = np.flatnonzero((indegree == 0) & (removed > 0))
        else:
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


@dataclass(frozen=True)
class LevelDag:
    """The condensation renumbered in topological level order, its edges grouped by target.

    Position p holds component `order[p]`; level l is positions starts[l]..starts[l+1]; the
    in-edges (from dependents) of position p are `sources[indptr[p]:indptr[p + 1]]`, positions
    too. Every component above level 0 has an in-edge from the level below, so the positions
    a level holds are one slice, and their in-edges another.
    """

    order: np.ndarray
    starts: np.ndarray
    indptr: np.ndarray
    sources: np.ndarray

    @classmethod
    def build(cls, count: int, source: np.ndarray, target: np.ndarray) -> LevelDag:
        levels = topological_levels(count, source, target)
        order = np.argsort(levels, kind="stable")
        position = np.empty(count, dtype=np.int64)
        position[order] = np.arange(count)
        starts = np.searchsorted(levels[order], np.arange(levels.max(initial=0) + 2))
        indptr, sources = _by_first(count, position[target], position[source])
        return cls(order, starts, indptr, sources)

    @property
    def count(self) -> int:
        return self.order.size


def propagate(values: np.ndarray, dag: LevelDag, combine: np.ufunc) -> None:
    """values[t] = combine(values[t], values[s]) for every edge s -> t, level by level.

    `values` is (positions, width) in `dag`'s order, one row of sketch ranks or bit words per
    component, so each edge gathers one short contiguous row. `combine` is associative,
    commutative and idempotent (OR, maximum), so duplicate paths do not matter. The in-edges of
    a level go in slices of whole targets, about CHUNK_BYTES of gathered rows each, so that
    what is gathered is reduced while it is still in cache.
    """
    indptr, sources = dag.indptr, dag.sources
    chunk_edges = max(1, CHUNK_BYTES // 32 // values[:1].nbytes)
    for level in range(1, dag.starts.size - 1):
        first, stop = int(dag.starts[level]), int(dag.starts[level + 1])
        begin, end = int(indptr[first]), int(indptr[stop])
        cuts = np.searchsorted(indptr[first:stop], np.arange(begin, end, chunk_edges)) + first
        cuts = np.unique(np.r_[cuts, first, stop])
        for lo, hi in zip(cuts[:-1].tolist(), cuts[1:].tolist(), strict=True):
            edge_lo = int(indptr[lo])
            gathered = values[sources[edge_lo : indptr[hi]]]
            reduced = combine.reduceat(gathered, indptr[lo:hi] - edge_lo, axis=0)
            combine(values[lo:hi], reduced, out=values[lo:hi])


def _exact(labels: np.ndarray, dag: LevelDag) -> np.ndarray:
    """Ancestor sets as bitsets over the nodes, one block of node bits at a time."""
    n, count = labels.size, dag.count
    words = max(1, min((n + 63) // 64, CHUNK_BYTES // (8 * max(count, 1))))
    block = 64 * words
    position = np.empty(count, dtype=np.int64)
    position[dag.order] = np.arange(count)
    at = position[labels]
    inclusive = np.zeros(count, dtype=np.int64)
    for start in range(0, n, block):
        nodes = np.arange(start, min(start + block, n))
        offset = nodes - start
        bits = np.zeros((count, words), dtype=np.uint64)
        np.bitwise_or.at(
            bits,
            (at[nodes], offset // 64),
            np.left_shift(np.uint64(1), (offset % 64).astype(np.uint64)),
        )
        propagate(bits, dag, np.bitwise_or)
        inclusive += np.bitwise_count(bits).sum(axis=1, dtype=np.int64)
    # the node itself is among its component's ancestors-or-self; cycle peers count
    return inclusive[at] - 1


def _estimated(labels: np.ndarray, dag: LevelDag, sketch_size: int, seed: int) -> np.ndarray:
    """Cohen's k-minimum rank estimate of each component's ancestors-or-self count."""
    rng = np.random.default_rng(seed)
    count = dag.count
    position = np.empty(count, dtype=np.int64)
    position[dag.order] = np.arange(count)
    order = np.argsort(labels, kind="stable")
    sorted_labels = labels[order]
    firsts = np.flatnonzero(np.r_[True, sorted_labels[1:] != sorted_labels[:-1]])
    sketch = np.empty((count, sketch_size), dtype=np.uint16)
    chunk = max(1, CHUNK_BYTES // (8 * sketch_size))
    # ranks per node drawn in node order, then reduced per component (labels are 0..count-1)
    for lo in range(0, firsts.size, chunk):
        hi = min(firsts.size, lo + chunk)
        first, last = firsts[lo], (firsts[hi] if hi < firsts.size else labels.size)
        ranks = _encode(rng.standard_exponential((last - first, sketch_size), np.float32))
        reduced = np.maximum.reduceat(ranks, firsts[lo:hi] - first, axis=0)
        sketch[position[sorted_labels[firsts[lo:hi]]]] = reduced
    propagate(sketch, dag, np.maximum)
    minima = np.empty(count, dtype=np.float64)
    for lo in range(0, count, chunk):
        minima[lo : lo + chunk] = _decode(sketch[lo : lo + chunk]).sum(axis=1, dtype=np.float64)
    estimate = (sketch_size - 1) / minima
    sizes = np.bincount(position[labels], minlength=count)
    has_dependents = np.zeros(count, dtype=bool)
    has_dependents[dag.starts[1] :] = True  # above level 0: someone depends on it
    inclusive = np.where(has_dependents, np.maximum(np.rint(estimate), sizes), sizes)
    return np.minimum(inclusive.astype(np.int64)[position[labels]] - 1, labels.size - 1)


# Ranks travel as 16-bit codes of -log2(rank), half the memory traffic of float32: a larger
# code is a smaller rank, so the minimum rank is the maximum code. Steps of 2^(1/1024) (0.07 %)
# from 2^8 down to 2^-56 cover every Exp(1) draw that is not astronomically unlikely.
RANK_OFFSET, RANK_STEPS = 8.0, 1024.0


def _encode(ranks: np.ndarray) -> np.ndarray:
    """Codes of float32 ranks, computed in place in `ranks` (which is overwritten)."""
    with np.errstate(divide="ignore"):  # a rank of exactly 0 becomes the largest code
        codes = np.log2(ranks, out=ranks)
    codes *= np.float32(-RANK_STEPS)
    codes += np.float32(RANK_OFFSET * RANK_STEPS)
    np.clip(codes, 0, np.iinfo(np.uint16).max, out=codes)
    return codes.astype(np.uint16)  # truncation: the floor of a non-negative code


def _decode(codes: np.ndarray) -> np.ndarray:
    """The rank in the middle of each code's step, by table lookup (65,536 entries)."""
    steps = np.arange(np.iinfo(np.uint16).max + 1)
    table = np.exp2(RANK_OFFSET - (steps + 0.5) / RANK_STEPS).astype(np.float32)
    return table[codes]
