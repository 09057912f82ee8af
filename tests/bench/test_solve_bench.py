"""bench/solve.py at a tiny size, on the session's Prefect server: offline triage of a few
synthetic issues (TF-IDF only: no model to load), then one issue of one repository solved
against the benchmark's scripted LLM server; the JSON holds every figure."""

from __future__ import annotations

from bench import solve as bench
from tests.bench.results import read_results


def test_reports_triage_throughput_and_the_cost_of_a_solved_issue(prefect_server, tmp_path):
    out = tmp_path / "solve.json"
    argv = ["--issues", "30", "--labelled", "40", "--embeddings", "off", "--repos", "1",
            "--issues-per-repo", "1", "--out", str(out)]  # fmt: skip
    result = read_results(out, bench.main(argv))
    assert result["args"]["issues"] == 30 and result["machine"]["cpus"]
    triage = result["triage"]
    assert set(triage["runs"]) == {"first", "cached", "tfidf_only"}
    for run in triage["runs"].values():
        assert run["method"] == "classifier" and run["triaged"] == 30
        assert run["seconds"] > 0 and run["issues_per_second"] > 0
    assert len({run["version"] for run in triage["runs"].values()}) == 3  # re-triaged each time
    assert set(triage["first_time"]) >= {"seconds", "embedded_texts", "seconds_per_1000_issues"}
    assert triage["goal"]["min_per_second"] == 200 and "met" in triage["goal"]

    solve = result["solve"]
    assert (solve["issues"], solve["attempted"], solve["solved"]) == (1, 1, 1)
    assert solve["states"] == {"MERGED": 1} and solve["server_requests"] == 1
    assert solve["llm_cache_hits"] == 0 and solve["load_before"] is not None
    assert solve["calls_per_solved_issue"] == 1 and solve["tokens_per_solved_issue"] > 100
    assert 0 < solve["target_test_s"] < solve["wall_s"]
    assert 0 < solve["overhead_s_per_issue"] < solve["wall_s_per_issue"]
    medians = solve["medians"]
    assert medians["calls"] == 1 and 0 < medians["target_test_s"] < medians["fix_run_s"]
