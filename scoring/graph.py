"""The dependency graph as integer arrays, and the per-node metrics that impact is built from.

Edges point from the dependent to its dependency, so importance flows to what is depended on.
Node ids become integers by joining 64-bit hashes in polars (no Python loop over edges), and
duplicates are merged by scipy, so a graph of a million nodes and ten million edges becomes a
few hundred megabytes of numpy arrays in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
import polars as pl
import scipy.sparse as sp

from scoring.betweenness import betweenness
from scoring.impact import ImpactConfig
from scoring.pagerank import pagerank
from scoring.reach import downstream_reach

# How much an edge of each kind counts toward PageRank; optional edges are weak evidence.
EDGE_WEIGHTS = {"runtime": 1.0, "build": 1.0, "peer": 1.0, "dev": 0.5, "optional": 0.25}
STRUCTURAL_KINDS = ("runtime", "build", "peer")
# Kinds by strength: structural (weight 1), dev and unknown kinds (0.5), optional (0.25).
OPTIONAL_STRENGTH, OTHER_STRENGTH, STRUCTURAL_STRENGTH = 1, 2, 3
STRENGTH_WEIGHTS = np.array([0.0, 0.25, 0.5, 1.0])
DIGIT_BITS = 20  # duplicates merge as digits of base 2^DIGIT_BITS, one digit per strength

METRICS_SCHEMA = {
    "entity_id": pl.String,
    "pagerank": pl.Float64,
    "dependents": pl.Int64,
    "downstream_reach": pl.Int64,
    "reach_method": pl.String,
    "betweenness": pl.Float64,
    "betweenness_method": pl.String,
    "betweenness_samples": pl.Int64,
}


@dataclass(frozen=True)
class DependencyGraph:
    """Deduplicated edges without self-loops over nodes 0..n-1 (`ids` names them)."""

    ids: pl.Series
    source: np.ndarray
    target: np.ndarray
    weight: np.ndarray
    structural: np.ndarray

    @property
    def n(self) -> int:
        return self.ids.len()

    def structural_edges(self) -> tuple[np.ndarray, np.ndarray]:
        """The runtime/build/peer edges that dependents, reach and betweenness follow."""
        return self.source[self.structural], self.target[self.structural]


def build_graph(nodes: pl.DataFrame, edges: pl.DataFrame) -> DependencyGraph:
    """Nodes from `nodes.entity_id`; edges from (source_id, target_id, dependency_kind).

    Duplicate edges keep their strongest kind (highest weight, structural when any is);
    self-loops and edges with a null end are dropped; an edge end missing from `nodes`
    becomes a node rather than losing the edge.
    """
    ids = nodes.get_column("entity_id").drop_nulls()
    clean = edges.select("source_id", "target_id", "dependency_kind").drop_nulls(
        ["source_id", "target_id"]
    )
    # distinct hashes mean distinct ids: the usual case needs no unique() over the strings
    known, coded = ids, _code_by_hash(ids, clean)
    if coded is None:
        known = ids.unique(maintain_order=True)
        coded = _code_by_hash(known, clean) if known.len() < ids.len() else None
    if coded is None:  # an end outside `nodes` (or a hash collision): the exact, slower way
        ends = pl.concat([clean.get_column("source_id"), clean.get_column("target_id")])
        missing = ends.filter(~ends.is_in(known.implode())).unique().sort()
        known = pl.concat([known, missing])
        enum = pl.Enum(known)
        coded = clean.select(
            source=pl.col("source_id").cast(enum).to_physical().cast(pl.Int32),
            target=pl.col("target_id").cast(enum).to_physical().cast(pl.Int32),
            strength=_strength(),
        )
    source, target, strength = _dedupe(
        known.len(),
        coded.get_column("source").to_numpy(),
        coded.get_column("target").to_numpy(),
        coded.get_column("strength").to_numpy(),
    )
    return DependencyGraph(
        ids=known.rename("entity_id"),
        source=source,
        target=target,
        weight=STRENGTH_WEIGHTS[strength],
        structural=strength == STRUCTURAL_STRENGTH,
    )


def _strength() -> pl.Expr:
    """Each edge's kind as a small code; a larger code is a stronger kind."""
    kind = pl.col("dependency_kind")
    return (
        pl.when(kind.is_in(STRUCTURAL_KINDS))
        .then(STRUCTURAL_STRENGTH)
        .when(kind == "optional")
        .then(OPTIONAL_STRENGTH)
        .otherwise(OTHER_STRENGTH)
        .cast(pl.Int8)
    )


def _code_by_hash(known: pl.Series, edges: pl.DataFrame) -> pl.DataFrame | None:
    """Integer ends by joining 64-bit hashes (several times faster than strings at 10M edges).

    A second, independent hash confirms each match; None when any end is not a known node,
    or two known ids share a hash, so the caller falls back to exact string matching.
    """
    index = pl.DataFrame(
        {
            "key": known.hash(seed=0),
            "check": known.hash(seed=1),
            "code": pl.int_range(known.len(), eager=True, dtype=pl.Int32),
        }
    )
    if not index.get_column("key").is_unique().all():
        return None
    hashed = edges.lazy().select(
        key_s=pl.col("source_id").hash(seed=0),
        check_s=pl.col("source_id").hash(seed=1),
        key_t=pl.col("target_id").hash(seed=0),
        check_t=pl.col("target_id").hash(seed=1),
        strength=_strength(),
    )

    def side(end: str) -> pl.LazyFrame:
        return index.lazy().rename({"key": f"key_{end}", "check": f"node_{end}", "code": end})

    joined = (
        hashed.join(side("s"), on="key_s", how="left")
        .join(side("t"), on="key_t", how="left")
        .select(
            source="s",
            target="t",
            strength="strength",
            bad=(pl.col("node_s") != pl.col("check_s")).fill_null(True)
            | (pl.col("node_t") != pl.col("check_t")).fill_null(True),
        )
        .collect()
    )
    if joined.get_column("bad").any():
        return None
    return joined


def _dedupe(
    n: int, source: np.ndarray, target: np.ndarray, strength: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One edge per (source, target) with its strongest code, self-loops dropped, sorted.

    One sparse matrix does it in C: each strength code is a digit of base 2^20 in the entry,
    so summing duplicates keeps every digit apart (up to 2^20 - 1 repeats of one edge and
    kind) and the highest digit present is the strongest kind; the canonical CSR order makes
    the result deterministic.
    """
    keep = source != target
    source, target, strength = source[keep], target[keep], strength[keep]
    digits = np.left_shift(np.int64(1), (strength.astype(np.int64) - 1) * DIGIT_BITS)
    merged = sp.csr_array((digits, (source, target)), shape=(n, n))
    merged.sum_duplicates()
    strongest = np.full(merged.data.size, OPTIONAL_STRENGTH, dtype=np.int8)
    strongest[merged.data >= 1 << DIGIT_BITS] = OTHER_STRENGTH
    strongest[merged.data >= 1 << (2 * DIGIT_BITS)] = STRUCTURAL_STRENGTH
    rows = np.repeat(np.arange(n, dtype=np.int32), np.diff(merged.indptr))
    return rows, merged.indices.astype(np.int32), strongest


def to_networkx(graph: DependencyGraph) -> nx.DiGraph:
    """The same graph as networkx sees it (for checks and small graphs only)."""
    ids = graph.ids.to_list()
    result = nx.DiGraph()
    result.add_nodes_from(ids)
    result.add_edges_from(
        (ids[s], ids[t], {"weight": float(w), "structural": bool(k)})
        for s, t, w, k in zip(
            graph.source, graph.target, graph.weight, graph.structural, strict=True
        )
    )
    return result


def graph_metrics(
    nodes: pl.DataFrame, edges: pl.DataFrame, config: ImpactConfig | None = None
) -> pl.DataFrame:
    """Per node: pagerank, dependents, downstream_reach, betweenness and how each was made.

    Dependents are direct structural dependents; downstream reach counts every node that
    depends on this one through structural edges, directly or transitively (exact up to
    `reach_exact_max_nodes`, estimated above); betweenness follows structural edges too
    (exact up to `betweenness_exact_max_nodes`, sampled from `betweenness_samples` sources).
    """
    config = config or ImpactConfig()
    graph = build_graph(nodes, edges)
    n = graph.n
    if n == 0:
        return pl.DataFrame(schema=METRICS_SCHEMA)
    source, target = graph.structural_edges()
    reach, reach_method = downstream_reach(
        n,
        source,
        target,
        exact_max_nodes=config.reach_exact_max_nodes,
        sketch_size=config.reach_sketch_size,
        seed=config.seed,
    )
    between, between_method, sources = betweenness(
        n,
        source,
        target,
        exact_max_nodes=config.betweenness_exact_max_nodes,
        samples=config.betweenness_samples,
        seed=config.seed,
    )
    ranks = pagerank(n, graph.source, graph.target, graph.weight, config.pagerank_damping)
    return pl.DataFrame(
        {
            "entity_id": graph.ids,
            "pagerank": ranks,
            "dependents": np.bincount(target, minlength=n).astype(np.int64),
            "downstream_reach": reach,
            "reach_method": pl.repeat(reach_method, n, eager=True),
            "betweenness": between,
            "betweenness_method": pl.repeat(between_method, n, eager=True),
            "betweenness_samples": pl.repeat(sources, n, dtype=pl.Int64, eager=True),
        },
        schema=METRICS_SCHEMA,
    )


def prefer_service_dependents(metrics: pl.DataFrame, counts: pl.DataFrame) -> pl.DataFrame:
    """`dependents` as a dependents service counted them where it did (`counts`: entity_id,
    service_dependents, null where none did), else as the crawled graph counts them. The
    service sees the whole registry, the graph only what was crawled, so its count is the
    better one where there is one; `dependents_source` says which ('service' | 'graph')."""
    service = counts.select(
        pl.col("entity_id").cast(pl.String),
        pl.col("service_dependents").cast(pl.Int64),
    )
    if service.get_column("entity_id").equals(metrics.get_column("entity_id")):
        # the same nodes in the same order (as the dbt model hands them): no join needed
        joined = metrics.with_columns(service.get_column("service_dependents"))
    else:
        service = service.unique("entity_id", keep="first")
        joined = metrics.join(service, on="entity_id", how="left")
    return joined.with_columns(
        pl.coalesce("service_dependents", "dependents").alias("dependents"),
        pl.when(pl.col("service_dependents").is_not_null())
        .then(pl.lit("service"))
        .otherwise(pl.lit("graph"))
        .alias("dependents_source"),
    ).drop("service_dependents")
