"""Graph scores at ecosystem scale: seconds and peak memory per stage, end to end.

Graphs: (a) the installed environment's real dependency graph (read and landed by the crawl's
own tasks), (b) a seeded power-law registry (default 1,000,000 packages, 10,000,000 dependency
rows). Each lands in the raw tables of a temporary DuckDB warehouse and the real dbt models build
int_graph_nodes / int_graph_edges from them (bench/graph_inputs.py), so the inputs are the
warehouse's own. Every measurement runs in its own subprocess, so its peak RSS (the process's
high-water mark, VmHWM, which sees numpy and scipy buffers) is that stage's alone:
- pagerank, betweenness, reach: one metric after reading and building the graph;
- end_to_end: the int_graph_scores model's own code (DuckDB -> polars -> graph_metrics ->
  service dependents -> score_impact -> the int_graph_scores table), handed what dbt-duckdb
  hands it; dbt: the real `dbt run --select int_graph_scores` on the same file.
And on a 100,000-node subgraph of (b): our PageRank against networkx's plain `pagerank`.
Goal: end to end on (b) in <= 15 s and <= 3 GiB on the 2-core machine.
Usage: python bench/graph.py [--nodes N] [--edges M] [--graphs environment power_law]
                             [--skip-dbt] [--skip-networkx] [--repeat R] [--out FILE]
                             [--exact-max-nodes K]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import statistics
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
from scoring.graph import build_graph, to_networkx
from scoring.impact import ImpactConfig
from scoring.pagerank import pagerank
from scoring.reach import downstream_reach, relative_error

RESULTS = ROOT / "bench" / "results"
MODEL = ROOT / "warehouse" / "models" / "intermediate" / "int_graph_scores.py"
GRAPHS = ("environment", "power_law")
STAGES = ("pagerank", "betweenness", "reach", "end_to_end", "dbt")
SHOWN = {"stage", "seconds", "cpu_seconds", "peak_rss_mib"}  # the rest is printed as facts
RECORDED_ARGS = {
    "nodes",
    "edges",
    "subgraph",
    "seed",
    "graphs",
    "repeat",
    "skip_dbt",
    "exact_max_nodes",
}
GOAL_S, GOAL_MIB = 15, 3072  # end to end on the default power-law graph, on 2 cores


def read_tables(db: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    with duckdb.connect(str(db), read_only=True) as con:
        nodes = con.sql("SELECT entity_id FROM int_graph_nodes").pl()
        edges = con.sql("SELECT source_id, target_id, dependency_kind FROM int_graph_edges").pl()
    return nodes, edges


class ModelConfig(dict):
    """`dbt.config` as a Python model sees it: called to configure, `.get` to read a key."""

    def __call__(self, **_: object) -> None:
        """materialized= and tags= tell dbt what to make; the bench writes the table itself."""


def run_model(db: Path, config: ImpactConfig) -> pl.DataFrame:
    """warehouse/models/intermediate/int_graph_scores.py's `model`, run as dbt-duckdb runs it:
    `dbt.ref(name)` is a relation over the table, the frame it returns becomes the table."""
    spec = importlib.util.spec_from_file_location("int_graph_scores", MODEL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with duckdb.connect(str(db)) as con:
        dbt = argparse.Namespace(
            ref=lambda name: con.query(f"select * from {name}"),
            config=ModelConfig(impact_json=config.model_dump_json()),
        )
        scores = module.model(dbt, con)
        con.register("scores", scores)
        con.execute("CREATE OR REPLACE TABLE int_graph_scores AS SELECT * FROM scores")
        con.unregister("scores")
    return scores


def peak_rss_mib() -> float:
    """This process's own high-water RSS (Linux: VmHWM). Not getrusage's ru_maxrss: on Linux a
    spawned child starts with its parent's maximum (exec keeps it), so a worker would report
    the memory of the bench that spawned it, generated graph included."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def worker(stage: str, db: Path, config: ImpactConfig) -> dict:
    """One measurement in this (fresh) process; returns seconds and the peak RSS."""
    started, cpu = time.perf_counter(), time.process_time()
    extra: dict = {}
    if stage == "end_to_end":
        scores = run_model(db, config)
        extra = {
            "rows": scores.height,
            "reach_method": scores.get_column("reach_method")[0],
            "betweenness_method": scores.get_column("betweenness_method")[0],
            "betweenness_samples": int(scores.get_column("betweenness_samples")[0]),
            "dependents_sources": sorted(scores.get_column("dependents_source").unique()),
            "max_downstream_reach": int(scores.get_column("downstream_reach").max()),
            "impact_range": [
                round(float(scores.get_column("impact").min()), 4),
                round(float(scores.get_column("impact").max()), 4),
            ],
        }
    elif stage == "dbt":
        from tasks.dbt.build import invoke

        variables = {k: "{}" for k in ("health_json", "priority_json")}
        variables["impact_json"] = config.model_dump_json()
        outcome = invoke(db, "run", ["int_graph_scores"], variables)
        if not outcome.success:
            raise SystemExit(outcome.describe_failures())
        with duckdb.connect(str(db), read_only=True) as con:
            extra["rows"] = con.sql("SELECT count(*) FROM int_graph_scores").fetchone()[0]
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
        "peak_rss_mib": peak_rss_mib(),
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
    )
    if out.returncode != 0:
        raise SystemExit(f"stage {stage} failed (exit {out.returncode}):\n{out.stderr[-4000:]}")
    return {**json.loads(out.stdout.strip().splitlines()[-1]), "load_average_before": load}


def versus_networkx(db: Path, size: int, alpha: float) -> dict:
    """PageRank seconds, ours and networkx's, on the subgraph induced by the `size` most
    depended-on nodes (the dense core; a random subset would keep almost no edges)."""
    import networkx as nx

    _, edges = read_tables(db)
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


def median_run(runs: list[dict]) -> dict:
    """The run with the median wall time (its own figures, so that they belong together),
    with every run's seconds and peak RSS beside it."""
    ranked = sorted(runs, key=lambda run: run["seconds"])
    chosen = dict(ranked[(len(ranked) - 1) // 2])
    if len(runs) > 1:
        chosen["runs_seconds"] = [run["seconds"] for run in runs]
        chosen["runs_peak_rss_mib"] = [run["peak_rss_mib"] for run in runs]
        chosen["median_seconds"] = round(statistics.median(chosen["runs_seconds"]), 3)
    return chosen


def run_graph(name: str, db: Path, args, config: ImpactConfig) -> dict:
    """Measure every stage on a warehouse whose graph inputs dbt has built."""
    from bench.graph_inputs import build_inputs  # Prefect and dbt: not in the workers

    inputs = build_inputs(db)
    print(f"{name:>11} inputs: {inputs}", flush=True)
    row: dict = {"graph": name, **inputs, "stages": {}}
    for stage in STAGES:
        if stage == "dbt" and args.skip_dbt:
            continue
        repeat = args.repeat if name == "power_law" else 1
        result = median_run([measure(stage, db, config) for _ in range(repeat)])
        row["stages"][stage] = result
        facts = {k: v for k, v in result.items() if k not in SHOWN}
        print(
            f"{name:>11} {stage:>12}: {result['seconds']:7.2f} s "
            f"(cpu {result['cpu_seconds']:6.2f} s), peak RSS {result['peak_rss_mib']:7.0f} MiB"
            f"  {facts}",
            flush=True,
        )
    return row


def impact_config(exact_max_nodes: int | None) -> ImpactConfig:
    """The default impact configuration; `--exact-max-nodes` lowers both exact limits, so a small
    graph takes the estimated reach and sampled betweenness paths the large one takes."""
    if exact_max_nodes is None:
        return ImpactConfig()
    limits = {"reach_exact_max_nodes": exact_max_nodes}
    limits["betweenness_exact_max_nodes"] = exact_max_nodes
    return ImpactConfig(**limits)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, default=1_000_000)
    parser.add_argument("--edges", type=int, default=10_000_000)
    parser.add_argument("--subgraph", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--graphs", nargs="+", choices=GRAPHS, default=list(GRAPHS))
    parser.add_argument("--repeat", type=int, default=1, help="runs of each power-law stage")
    parser.add_argument("--skip-dbt", action="store_true")
    parser.add_argument("--skip-networkx", action="store_true")
    parser.add_argument("--out", type=Path, default=RESULTS / "graph.json")
    parser.add_argument(
        "--exact-max-nodes",
        type=int,
        help="reach and betweenness are exact up to this many nodes, estimated above "
        "(default: the impact configuration's limits)",
    )
    parser.add_argument("--worker", choices=STAGES, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        config = ImpactConfig.model_validate_json(sys.stdin.read() or "{}")
        print(json.dumps(worker(args.worker, args.db, config)))
        return {}
    from bench.graph_inputs import land_environment, land_registry, power_law_graph

    config = impact_config(args.exact_max_nodes)
    rows, versus = [], None
    with tempfile.TemporaryDirectory(prefix="globallm-bench-graph-") as tmp:
        if "environment" in args.graphs:
            db = Path(tmp) / "environment" / "warehouse.duckdb"
            db.parent.mkdir()
            land_environment(db)
            rows.append(run_graph("environment", db, args, config))
        if "power_law" in args.graphs:
            db = Path(tmp) / "power_law" / "warehouse.duckdb"
            db.parent.mkdir()
            started = time.perf_counter()
            land_registry(db, *power_law_graph(args.nodes, args.edges, args.seed))
            print(f"  power_law landed in {time.perf_counter() - started:.1f} s", flush=True)
            rows.append(run_graph("power_law", db, args, config))
            if not args.skip_networkx:
                versus = versus_networkx(db, args.subgraph, config.pagerank_damping)
                print(f"PageRank on a {versus['nodes']}-node subgraph: {versus}")
    end_to_end = rows[-1]["stages"]["end_to_end"]
    goal = {
        "graph": rows[-1]["graph"],
        "max_seconds": GOAL_S,
        "max_peak_rss_mib": GOAL_MIB,
        "seconds": end_to_end.get("median_seconds", end_to_end["seconds"]),
        "cpu_seconds": end_to_end["cpu_seconds"],
        "peak_rss_mib": end_to_end["peak_rss_mib"],
        "load_average_before": end_to_end["load_average_before"],
    }
    goal["met"] = goal["seconds"] <= GOAL_S and goal["peak_rss_mib"] <= GOAL_MIB
    print(f"goal (end to end <= {GOAL_S} s, <= {GOAL_MIB / 1024:.0f} GiB): {goal}")
    payload = {
        "machine": machine(),
        # the paths (--out, the temporary warehouses) name this machine's folders: left out
        "args": {k: v for k, v in vars(args).items() if k in RECORDED_ARGS},
        "config": config.model_dump(),
        "reach_estimate_relative_error": round(float(relative_error(config.reach_sketch_size)), 4),
        "results": rows,
        "pagerank_vs_networkx": versus,
        "goal": goal,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(payload, indent=2) + "\n")
    print(f"wrote {args.out}")
    return payload


if __name__ == "__main__":
    main()
