"""Random dependency graphs for the graph tests, and networkx's view of their structural edges
(the reference that dependents, reach and betweenness are compared with)."""

from __future__ import annotations

import networkx as nx
import numpy as np
import polars as pl

KINDS = np.array(["runtime", "dev", "optional", "peer", "build", "indirect"])


def random_frames(n: int, m: int, seed: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Random multigraph edges: duplicates, self-loops, cycles, dangling and isolated nodes."""
    rng = np.random.default_rng(seed)
    ids = [f"n{i}" for i in range(n)]
    source, target = rng.integers(0, n, m), rng.integers(0, n, m)
    nodes = pl.DataFrame({"entity_id": ids})
    edges = pl.DataFrame(
        {
            "source_id": [ids[i] for i in source],
            "target_id": [ids[i] for i in target],
            "dependency_kind": rng.choice(KINDS, size=m).tolist(),
        }
    )
    return nodes, edges


def structural_networkx(nodes: pl.DataFrame, edges: pl.DataFrame) -> nx.DiGraph:
    """The runtime/build/peer edges without self-loops, as a networkx graph over every node."""
    structural = edges.filter(
        edges.get_column("dependency_kind").is_in(["runtime", "build", "peer"])
        & (edges.get_column("source_id") != edges.get_column("target_id"))
    )
    graph = nx.DiGraph()
    graph.add_nodes_from(nodes.get_column("entity_id").to_list())
    graph.add_edges_from(structural.select("source_id", "target_id").iter_rows())
    return graph
