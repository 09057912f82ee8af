"""Benchmark the pure scoring functions on seeded synthetic data (impact: PageRank, dependents,
reach and betweenness with the default exact/sampled limits; bench/graph.py goes to 1M nodes).

Prints the median of several runs per size and writes bench/results/score_speed.json.
Usage: python bench/score_speed.py [--sizes 1000 10000 50000] [--repeat 3] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

import numpy as np
import polars as pl

from scoring.graph import graph_metrics
from scoring.health import HealthConfig, score_health
from scoring.impact import ImpactConfig, score_impact
from scoring.priority import PriorityWeights, score_priority

RESULTS = Path(__file__).resolve().parent / "results"


def synthetic_graph(nodes: int, edges_per_node: int, seed: int) -> tuple[pl.DataFrame, ...]:
    """A power-law-ish dependency graph: popular packages attract most edges."""
    rng = np.random.default_rng(seed)
    ids = [f"pkg:pypi/p{i}" for i in range(nodes)]
    sources = np.repeat(np.arange(nodes), edges_per_node)
    targets = (rng.pareto(1.2, size=sources.size) * 3).astype(np.int64) % nodes
    kinds = rng.choice(["runtime", "dev", "optional"], size=sources.size, p=[0.7, 0.2, 0.1])
    node_frame = pl.DataFrame({"entity_id": ids})
    edge_frame = pl.DataFrame(
        {
            "source_id": [ids[i] for i in sources],
            "target_id": [ids[i] for i in targets],
            "dependency_kind": kinds,
        }
    )
    return node_frame, edge_frame


def synthetic_repos(count: int, seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    return pl.DataFrame(
        {
            "entity_id": [f"local:/r{i}" for i in range(count)],
            "commits_90d": rng.poisson(20, count),
            "authors_365d": rng.poisson(4, count),
            "days_since_last_commit": rng.integers(0, 900, count),
            "has_tests": rng.random(count) > 0.3,
            "has_ci": rng.random(count) > 0.4,
        }
    )


def median_seconds(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 50_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=RESULTS / "score_speed.json")
    args = parser.parse_args(argv)
    rows = []
    for size in args.sizes:
        nodes, edges = synthetic_graph(size, 5, seed=size)
        repos = synthetic_repos(size, seed=size)
        impact = median_seconds(
            lambda n=nodes, e=edges: score_impact(graph_metrics(n, e), ImpactConfig()),
            args.repeat,
        )
        health = median_seconds(lambda r=repos: score_health(r, HealthConfig()), args.repeat)
        scores = score_health(repos, HealthConfig()).with_columns(impact=pl.lit(0.5))
        priority = median_seconds(
            lambda s=scores: score_priority(s, PriorityWeights()), args.repeat
        )
        row = {
            "nodes": size,
            "edges": edges.height,
            "impact_s": round(impact, 4),
            "health_s": round(health, 4),
            "priority_s": round(priority, 4),
        }
        rows.append(row)
        print(
            f"{size:>8} nodes {edges.height:>9} edges | impact {impact:8.3f} s | "
            f"health {health:7.4f} s | priority {priority:7.4f} s  (median of {args.repeat})"
        )
    payload = {"machine": platform.machine(), "python": platform.python_version(), "results": rows}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(payload, indent=2))
    print(f"wrote {args.out}")
    return payload


if __name__ == "__main__":
    main()
