"""Graph scores at ecosystem scale: seconds and peak memory per stage, end to end.

Graphs: (a) the installed environment's real dependency graph (importlib.metadata, as the
crawl reads it), (b) a seeded power-law graph (default 1,000,000 nodes, 10,000,000 edges).
Each graph is written to int_graph_nodes / int_graph_edges in a temporary DuckDB file; every
measurement runs in its own subprocess, so its peak RSS (getrusage high-water mark, which sees
numpy and scipy buffers) is that stage's alone plus the loaded graph:
- pagerank, betweenness, reach: one metric after reading and building the graph;
- end_to_end: DuckDB -> polars -> graph_metrics + score_impact -> int_graph_scores table, as
  the dbt model does; dbt: the real `dbt run --select int_graph_scores` on the same file.
And on a 100,000-node subgraph of (b): our PageRank against networkx's plain `pagerank`.
Goal: end to end on (b) in <= 30 s and <= 4 GiB on the 2-core machine.
Usage: python bench/graph.py [--nodes N] [--edges M] [--skip-dbt] [--skip-networkx]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

from bench.machine import ROOT, machine
from scoring.betweenness import betweenness
from scoring.graph import build_graph, graph_metrics, to_networkx
from scoring.impact import ImpactConfig, score_impact
from scoring.pagerank import pagerank
from scoring.reach import downstream_reach, relative_error

RESULTS = ROOT / "bench" / "results"
KINDS = ["runtime", "build", "peer", "dev", "optional"]
KIND_SHARES = [0.6, 0.05, 0.05, 0.2, 0.1]
STAGES = ("pagerank", "betweenness", "reach", "end_to_end", "dbt")
SHOWN = {"stage", "seconds", "cpu_seconds", "peak_rss_mib"}  # the rest is printed as facts


def power_law_graph(nodes: int, edges: int, seed: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Preferential-attachment-like: packages arrive in turn and a newcomer i depends on older
    ones drawn log-uniformly from [0, i) (rank r with probability ~ 1/r, a Zipf law), so early
    packages collect most dependents and the in-degree follows a power law P(k) ~ k^-2, as
    package ecosystems roughly do; 0.1 % of edges point from an old package to one a little
    younger (short cycles), and duplicates and self-loops occur. Ids are shuffled so that id
    order says nothing."""
    rng = np.random.default_rng(seed)
    name_of = rng.permutation(nodes)
    newer = rng.integers(1, nodes, edges, dtype=np.int64)
    older = np.exp(rng.random(edges) * np.log(newer + 1)).astype(np.int64) - 1
    # an old package depending on one up to 100 places younger closes short cycles
    back = rng.random(edges) < 0.001
    younger = np.minimum(older + rng.integers(1, 101, edges), nodes - 1)
    source = name_of[np.where(back, older, newer)]
    target = name_of[np.where(back, younger, older)]
    kind = rng.choice(len(KINDS), size=edges, p=KIND_SHARES).astype(np.uint32)
    prefix = pl.lit("pkg:pypi/p")
    node_frame = pl.select(entity_id=prefix + pl.int_range(nodes).cast(pl.String))
    edge_frame = pl.DataFrame({"s": source, "t": target, "k": kind}).select(
        source_id=prefix + pl.col("s").cast(pl.String),
        target_id=prefix + pl.col("t").cast(pl.String),
        dependency_kind=pl.col("k").replace_strict(dict(enumerate(KINDS)), return_dtype=pl.String),
    )
    return node_frame, edge_frame


def environment_graph() -> tuple[pl.DataFrame, pl.DataFrame]:
    """The running interpreter's distributions and their requirement edges."""
    from packaging.utils import canonicalize_name

    from tasks.local.python_env import read_environment

    snapshot = read_environment.fn()
    pid = lambda name: f"pkg:pypi/{canonicalize_name(name)}"  # noqa: E731
    edges = pl.DataFrame(
        [(pid(e.name), pid(e.target_name), e.dependency_kind) for e in snapshot.requirements],
        schema=["source_id", "target_id", "dependency_kind"],
        orient="row",
    )
    ends = pl.concat([edges.get_column("source_id"), edges.get_column("target_id")])
    names = pl.Series([pid(d.name) for d in snapshot.distributions], dtype=pl.String)
    nodes = pl.DataFrame({"entity_id": pl.concat([names, ends]).unique().sort()})
    return nodes, edges


def write_tables(db: Path, nodes: pl.DataFrame, edges: pl.DataFrame) -> None:
    with duckdb.connect(str(db)) as con:
        con.execute("CREATE OR REPLACE TABLE int_graph_nodes AS SELECT * FROM nodes")
        con.execute("CREATE OR REPLACE TABLE int_graph_edges AS SELECT * FROM edges")


def read_tables(db: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    with duckdb.connect(str(db)) as con:
        nodes = con.sql("SELECT entity_id FROM int_graph_nodes").pl()
        edges = con.sql("SELECT source_id, target_id, dependency_kind FROM int_graph_edges").pl()
    return nodes, edges


def worker(stage: str, db: Path, config: ImpactConfig) -> dict:
    """One measurement in this (fresh) process; returns seconds and the peak RSS."""
    started, cpu = time.perf_counter(), time.process_time()
    extra: dict = {}
    if stage == "end_to_end":
        nodes, edges = read_tables(db)
        scores = score_impact(graph_metrics(nodes, edges, config), config)
        with duckdb.connect(str(db)) as con:
            con.execute("CREATE OR REPLACE TABLE int_graph_scores AS SELECT * FROM scores")
        extra = {
            "reach_method": scores.get_column("reach_method")[0],
            "betweenness_method": scores.get_column("betweenness_method")[0],
            "betweenness_samples": int(scores.get_column("betweenness_samples")[0]),
        }
    elif stage == "dbt":
        from tasks.dbt.build import invoke

        variables = {k: "{}" for k in ("health_json", "priority_json")}
        variables["impact_json"] = config.model_dump_json()
        outcome = invoke(db, "run", ["int_graph_scores"], variables)
        if not outcome.success:
            raise SystemExit(outcome.describe_failures())
    else:
        graph = build_graph(*read_tables(db))
        source, target = graph.structural_edges()
        extra["load_and_build_s"] = round(time.perf_counter() - started, 3)
        began = time.perf_counter()
        if stage == "pagerank":
            pagerank(graph.n, graph.source, graph.target, graph.weight, config.pagerank_damping)
        elif stage == "betweenness":
            _, extra["method"], extra["samples"] = betweenness(
                graph.n,
                source,
                target,
                exact_max_nodes=config.betweenness_exact_max_nodes,
                samples=config.betweenness_samples,
                seed=config.seed,
            )
        else:
            _, extra["method"] = downstream_reach(
                graph.n,
                source,
                target,
                exact_max_nodes=config.reach_exact_max_nodes,
                sketch_size=config.reach_sketch_size,
                seed=config.seed,
            )
        extra["stage_s"] = round(time.perf_counter() - began, 3)
    return {
        "stage": stage,
        "seconds": round(time.perf_counter() - started, 3),
        "cpu_seconds": round(time.process_time() - cpu, 3),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        **extra,
    }


def measure(stage: str, db: Path, config: ImpactConfig) -> dict:
    """Runs `worker` in a subprocess and returns what it printed."""
    load = os.getloadavg()[0]
    out = subprocess.run(
        [sys.executable, __file__, "--worker", stage, "--db", str(db)],
        input=config.model_dump_json(),
        capture_output=True,
        text=True,
        check=True,
    )
    return {**json.loads(out.stdout.strip().splitlines()[-1]), "load_average_before": load}


def versus_networkx(nodes: pl.DataFrame, edges: pl.DataFrame, size: int, alpha: float) -> dict:
    """PageRank seconds, ours and networkx's, on the subgraph induced by the `size` most
    depended-on nodes (the dense core; a random subset would keep almost no edges)."""
    import networkx as nx

    popular = edges.get_column("target_id").value_counts(sort=True).head(size)
    keep = popular.select(entity_id="target_id")
    ids = keep.get_column("entity_id").implode()
    sub = edges.filter(pl.col("source_id").is_in(ids) & pl.col("target_id").is_in(ids))
    graph = build_graph(keep, sub)
    began = time.perf_counter()
    ours = pagerank(graph.n, graph.source, graph.target, graph.weight, alpha)
    ours_s = time.perf_counter() - began
    nx_graph = to_networkx(graph)
    began = time.perf_counter()
    theirs = nx.pagerank(nx_graph, alpha=alpha, weight="weight")
    nx_s = time.perf_counter() - began
    diff = np.abs(ours - np.array([theirs[i] for i in graph.ids.to_list()])).max()
    return {
        "nodes": graph.n,
        "edges": int(graph.source.size),
        "ours_s": round(ours_s, 3),
        "networkx_s": round(nx_s, 3),
        "speedup": round(nx_s / ours_s, 1),
        "max_abs_difference": float(diff),
    }


def run_graph(name: str, nodes: pl.DataFrame, edges: pl.DataFrame, args, folder: Path) -> dict:
    db = folder / f"{name}.duckdb"
    write_tables(db, nodes, edges)
    config = ImpactConfig()
    row: dict = {"graph": name, "nodes": nodes.height, "edges": edges.height, "stages": {}}
    for stage in STAGES:
        if stage == "dbt" and args.skip_dbt:
            continue
        result = measure(stage, db, config)
        row["stages"][stage] = result
        facts = {k: v for k, v in result.items() if k not in SHOWN}
        print(
            f"{name:>11} {stage:>12}: {result['seconds']:7.2f} s "
            f"(cpu {result['cpu_seconds']:6.2f} s), peak RSS {result['peak_rss_mib']:7.0f} MiB"
            f"  {facts}",
            flush=True,
        )
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--nodes", type=int, default=1_000_000)
    parser.add_argument("--edges", type=int, default=10_000_000)
    parser.add_argument("--subgraph", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--skip-dbt", action="store_true")
    parser.add_argument("--skip-networkx", action="store_true")
    parser.add_argument("--worker", choices=STAGES, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        config = ImpactConfig.model_validate_json(sys.stdin.read() or "{}")
        print(json.dumps(worker(args.worker, args.db, config)))
        return
    config = ImpactConfig()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rows.append(run_graph("environment", *environment_graph(), args, folder))
        nodes, edges = power_law_graph(args.nodes, args.edges, args.seed)
        rows.append(run_graph("power_law", nodes, edges, args, folder))
        versus = None
        if not args.skip_networkx:
            versus = versus_networkx(nodes, edges, args.subgraph, config.pagerank_damping)
            print(f"PageRank on a {versus['nodes']}-node subgraph: {versus}")
    end_to_end = rows[-1]["stages"]["end_to_end"]
    goal = {
        "max_seconds": 30,
        "max_peak_rss_mib": 4096,
        "seconds": end_to_end["seconds"],
        "cpu_seconds": end_to_end["cpu_seconds"],
        "peak_rss_mib": end_to_end["peak_rss_mib"],
        "load_average_before": end_to_end["load_average_before"],
        "met": end_to_end["seconds"] <= 30 and end_to_end["peak_rss_mib"] <= 4096,
    }
    print(f"goal (end to end on the power-law graph <= 30 s, <= 4 GiB): {goal}")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "graph.json"
    payload = {
        "machine": machine(),
        "config": config.model_dump(),
        "reach_estimate_relative_error": round(float(relative_error(config.reach_sketch_size)), 4),
        "results": rows,
        "pagerank_vs_networkx": versus,
        "goal": goal,
    }
    out.write_text(json.dumps(payload, indent=2))
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
