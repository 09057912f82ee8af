"""Dependency-graph metrics: PageRank, direct dependents and downstream reach.

Edges point from the dependent to its dependency, so importance flows to what is depended on.
"""

from __future__ import annotations

import networkx as nx
import polars as pl

# How much an edge of each kind counts toward PageRank; optional edges are weak evidence.
EDGE_WEIGHTS = {"runtime": 1.0, "build": 1.0, "peer": 1.0, "dev": 0.5, "optional": 0.25}
STRUCTURAL_KINDS = ("runtime", "build", "peer")


def build_graph(nodes: pl.DataFrame, edges: pl.DataFrame) -> nx.DiGraph:
    """Nodes from `nodes.entity_id`; edges from (source_id, target_id, dependency_kind).

    Duplicate edges keep their strongest kind's weight; self-loops are dropped.
    """
    graph = nx.DiGraph()
    graph.add_nodes_from(nodes.get_column("entity_id").to_list())
    for source, target, kind in edges.select("source_id", "target_id", "dependency_kind").rows():
        if source == target:
            continue
        weight = EDGE_WEIGHTS.get(kind, 0.5)
        if graph.has_edge(source, target):
            data = graph[source][target]
            data["structural"] = data["structural"] or kind in STRUCTURAL_KINDS
            data["weight"] = max(data["weight"], weight)
        else:
            graph.add_edge(source, target, weight=weight, structural=kind in STRUCTURAL_KINDS)
    return graph


def graph_metrics(nodes: pl.DataFrame, edges: pl.DataFrame, damping: float) -> pl.DataFrame:
    """Per node: pagerank, dependents (direct, structural edges) and downstream_reach.

    Downstream reach counts every node that depends on this one through structural edges,
    directly or transitively.
    """
    graph = build_graph(nodes, edges)
    if graph.number_of_nodes() == 0:
        return pl.DataFrame(
            schema={
                "entity_id": pl.String,
                "pagerank": pl.Float64,
                "dependents": pl.Int64,
                "downstream_reach": pl.Int64,
            }
        )
    pagerank = nx.pagerank(graph, alpha=damping, weight="weight")
    structural = nx.DiGraph()
    structural.add_nodes_from(graph.nodes)
    structural.add_edges_from((u, v) for u, v, d in graph.edges(data=True) if d["structural"])
    reach = _reach(structural)
    return pl.DataFrame(
        {
            "entity_id": list(graph.nodes),
            "pagerank": [pagerank[n] for n in graph.nodes],
            "dependents": [structural.in_degree(n) for n in graph.nodes],
            "downstream_reach": [reach[n] for n in graph.nodes],
        },
        schema_overrides={"dependents": pl.Int64, "downstream_reach": pl.Int64},
    )


def _reach(graph: nx.DiGraph) -> dict[str, int]:
    """Transitive dependents per node, computed once per strongly connected component."""
    condensed = nx.condensation(graph)
    members = condensed.graph["mapping"]
    ancestors: dict[int, set[int]] = {}
    for component in nx.topological_sort(condensed):
        found: set[int] = set()
        for parent in condensed.predecessors(component):
            found |= ancestors[parent] | {parent}
        ancestors[component] = found
    sizes = {c: len(condensed.nodes[c]["members"]) for c in condensed.nodes}
    result = {}
    for node, component in members.items():
        # members of the same cycle depend on each other too
        result[node] = sum(sizes[c] for c in ancestors[component]) + sizes[component] - 1
    return result
