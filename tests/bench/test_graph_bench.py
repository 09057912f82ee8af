"""bench/graph.py at a tiny size: its inputs are built by the real dbt models from raw tables
(so they carry every column int_graph_scores reads), and every stage, the model's own code and
`dbt run` included, runs and reports sane figures."""

from __future__ import annotations

import pytest

from bench import graph as bench
from tests.bench.results import read_results

NODES, EDGES = 3_000, 15_000
EXACT = 1_000  # below NODES: estimated reach and sampled betweenness, as at ecosystem scale


def test_power_law_graph_every_stage_with_dbt(tmp_path):
    out = tmp_path / "graph.json"
    returned = bench.main(
        ["--graphs", "power_law", "--nodes", str(NODES), "--edges", str(EDGES),
         "--subgraph", "500", "--exact-max-nodes", str(EXACT), "--out", str(out)]
    )  # fmt: skip
    result = read_results(out, returned)
    [row] = result["results"]
    assert (row["graph"], row["nodes"], row["edges"]) == ("power_law", NODES, EDGES)
    assert row["dbt_s"] > 0
    stages = row["stages"]
    assert list(stages) == list(bench.STAGES)
    for name, stage in stages.items():
        assert stage["stage"] == name
        assert 0 < stage["seconds"] < 120, name
        assert stage["cpu_seconds"] > 0, name
        assert 50 < stage["peak_rss_mib"] < 4096, name
        assert stage["load_average_before"] >= 0, name
    for name in ("pagerank", "betweenness", "reach"):
        assert 0 < stages[name]["stage_s"] <= stages[name]["seconds"]
        assert stages[name]["load_and_build_s"] > 0
    assert (stages["reach"]["method"], stages["betweenness"]["method"]) == ("estimated", "sampled")
    scored = stages["end_to_end"]
    assert scored["rows"] == stages["dbt"]["rows"] == NODES
    assert (scored["reach_method"], scored["betweenness_method"]) == ("estimated", "sampled")
    assert scored["betweenness_samples"] == result["config"]["betweenness_samples"]
    assert scored["dependents_sources"] == ["graph"]  # no dependents service in the registry
    assert 0 < scored["max_downstream_reach"] < NODES
    low, high = scored["impact_range"]
    assert 0 <= low < high <= 1
    versus = result["pagerank_vs_networkx"]
    assert versus["nodes"] == 500 and versus["edges"] > 0
    assert versus["max_abs_difference"] < 1e-9
    goal = result["goal"]
    assert goal["seconds"] == scored["seconds"] and goal["peak_rss_mib"] == scored["peak_rss_mib"]
    assert goal["met"] is True
    assert result["reach_estimate_relative_error"] == pytest.approx(1 / 30**0.5, abs=1e-4)
    assert result["args"]["graphs"] == ["power_law"]
    config = result["config"]
    assert config["reach_exact_max_nodes"] == config["betweenness_exact_max_nodes"] == EXACT


def test_environment_graph_without_dbt(tmp_path):
    out = tmp_path / "graph.json"
    returned = bench.main(["--graphs", "environment", "--skip-dbt", "--out", str(out)])
    [row] = read_results(out, returned)["results"]
    assert row["graph"] == "environment" and row["nodes"] > 20 and row["edges"] > 20
    assert list(row["stages"]) == ["pagerank", "betweenness", "reach", "end_to_end"]
    scored = row["stages"]["end_to_end"]
    assert (scored["reach_method"], scored["rows"]) == ("exact", row["nodes"])
    assert returned["pagerank_vs_networkx"] is None
