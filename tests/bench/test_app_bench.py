"""The app benchmark (bench/app.py) at a small scale: the synthetic sources it lands build into
consistent marts, and its main() renders every page, with each interaction the benchmark
applies, without an error while its queries are timed, and writes the figures (here into the
test's folder). It keeps the benchmark runnable as the pages change."""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from app_pages import app_cache
from tests.bench.results import read_results
from warehouse.io import snapshot

BENCH = Path(__file__).resolve().parents[2] / "bench" / "app.py"
SIZE = argparse.Namespace(
    repos=400, issues=4000, seed=3, environment=120, campaigns=3, campaign_repos=25
)


def load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_app", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def small(
    prefect_server, tmp_path_factory: pytest.TempPathFactory
) -> tuple[ModuleType, Path, dict]:
    bench = load_bench()
    db = tmp_path_factory.mktemp("bench-app") / "warehouse.duckdb"
    bench.fill(db, SIZE)
    return bench, db, bench.build(db)


def test_the_synthetic_sources_build_into_consistent_marts(small):
    _, db, built = small
    assert built["mart_rows"]["dim_repos"] == SIZE.repos
    assert built["mart_rows"]["fct_issues"] == SIZE.issues
    with snapshot.connect_reader(db) as con:

        def one(sql: str) -> object:
            return con.execute(sql).fetchone()[0]

        # every issue belongs to a synthetic repository, as the GitHub source's would
        assert one("SELECT count(*) FROM fct_issues LEFT JOIN dim_repos USING (repo_id)"
                   " WHERE dim_repos.repo_id IS NULL") == 0  # fmt: skip
        # 3-5 declared dependencies a repository, some on packages other repositories publish
        per_repo = con.execute(
            "SELECT min(n), max(n) FROM (SELECT count(*) AS n FROM fct_dependency_edges"
            " WHERE source_kind = 'repo' GROUP BY source_id)"
        ).fetchone()
        assert per_repo[0] >= 1 and per_repo[1] <= 5
        assert one("SELECT count(*) FROM fct_dependency_edges WHERE target_id IN"
                   " (SELECT package_id FROM dim_repos)") > 0  # fmt: skip
        assert one("SELECT max(dependents) FROM fct_repo_scores WHERE kind = 'repo'") > 0
        # the ledger: campaigns whose changes moved through states, each with its events
        states = {
            row[0] for row in con.execute("SELECT DISTINCT state FROM ledger_changes").fetchall()
        }
        assert {"MERGED", "BLOCKED", "WAITING"} <= states
        assert one("SELECT count(*) FROM ledger_changes c WHERE NOT EXISTS (SELECT 1 FROM"
                   " ledger_events e WHERE e.subject_id = c.change_id)") == 0  # fmt: skip
        assert one("SELECT count(*) FROM ledger_runs WHERE kind = 'campaign'") == SIZE.campaigns


def test_every_page_and_interaction_renders_with_its_queries_timed(small, tmp_path):
    bench, db, _ = small
    cached = app_cache._run
    out = tmp_path / "app.json"
    argv = ["--db", str(db), "--reuse", "--renders", "1", "--interaction-renders", "1"]
    result = read_results(out, bench.main([*argv, "--out", str(out)]))
    assert app_cache._run is cached  # the timing wrapper is gone again
    pages = result["pages"]
    assert list(pages) == ["overview", "priorities", "repositories", "campaigns", "sql"]
    for page, figures in pages.items():
        assert figures["errors"] == [], page
        skipped = {name: a["skipped"] for name, a in figures["actions"].items() if "skipped" in a}
        assert skipped == {}, page
        assert figures["renders"] == 1 + 1 * (len(figures["actions"]) - 1)
        assert figures["query_s"]["p95"] > 0
    timed = {page: set(figures["queries"]) for page, figures in pages.items()}
    assert "overview_figures" in timed["overview"]
    assert {"priority_page", "repo_detail", "repo_issues", "package_detail"} <= timed["priorities"]
    assert {"health_impact", "neighbourhood"} <= timed["repositories"]
    assert {"burndown", "change_files", "verification"} <= timed["campaigns"]
    assert "run_select" in timed["sql"]
    assert result["goal_p95_s"] == 0.3 and isinstance(result["goal_met"], bool)
    assert result["args"]["renders"] == 1 and "db" not in result["args"]
