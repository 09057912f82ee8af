"""The main job end to end: real repositories, a real Prefect run, a real dbt build."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from flows.build import build_flow
from flows.pipeline import PipelineParams, PipelineSummary, pipeline_flow
from flows.score import Scoring, score_flow
from scoring.health import HEALTH_COMPONENTS
from settings import Settings
from warehouse.io import store
from warehouse.io.tables import RAW_TABLES

MARTS = ["dim_repos", "dim_packages", "fct_dependency_edges", "fct_repo_scores", "fct_priority"]


def run_pipeline(db: Path, paths: list[Path], environment: bool) -> PipelineSummary:
    s = Settings()
    params = PipelineParams(
        paths=paths,
        crawl=s.crawl.model_copy(update={"include_environment": environment}),
        scoring=Scoring(health=s.health, impact=s.impact, priority=s.priority),
    )
    return pipeline_flow(db_path=db, params=params)


@pytest.fixture(scope="module")
def warehouse(prefect_server, module_workspace, tmp_path_factory) -> tuple[Path, list]:
    db = tmp_path_factory.mktemp("wh") / "warehouse.duckdb"
    first = run_pipeline(db, [module_workspace], environment=True)
    with store.connect(db, read_only=True) as con:
        first_marts = store.row_counts(con, MARTS)
    second = run_pipeline(db, [module_workspace], environment=True)
    return db, [first, second, first_marts]


def query(db: Path, sql: str) -> list[tuple]:
    with store.connect(db, read_only=True) as con:
        return con.execute(sql).fetchall()


def test_second_run_changes_no_row_count(warehouse):
    db, (first, second, first_marts) = warehouse
    assert first.crawl.row_counts == second.crawl.row_counts
    assert first.crawl.row_counts["raw_local_repos"] == 4
    with store.connect(db, read_only=True) as con:
        assert store.row_counts(con, MARTS) == first_marts
        assert set(store.row_counts(con, list(RAW_TABLES))) == set(RAW_TABLES)


def test_dim_repos_holds_every_repository_with_its_findings(warehouse):
    db, _ = warehouse
    rows = query(db, "SELECT name, source, has_tests, finding_count FROM dim_repos ORDER BY name")
    assert rows == [
        ("app", "local", False, 0),
        ("core", "local", True, 0),
        ("legacy", "local", False, 2),
        ("web", "local", True, 0),
    ]


def test_a_published_package_gives_its_repository_impact(warehouse):
    db, _ = warehouse
    rows = query(
        db,
        "SELECT name, dependents, downstream_reach, impact > 0 FROM fct_repo_scores"
        " WHERE kind = 'repo' ORDER BY name",
    )
    by_name = {name: (deps, reach, positive) for name, deps, reach, positive in rows}
    assert by_name["core"] == (1, 1, True)  # app's requirements.txt depends on acme-core
    assert by_name["app"][:2] == (0, 0)


def test_edges_from_manifests_and_the_environment(warehouse):
    db, _ = warehouse
    repo_edges = query(
        db,
        "SELECT e.target_id, e.dependency_kind FROM fct_dependency_edges e"
        " JOIN dim_repos r ON e.source_id = r.repo_id WHERE r.name = 'core' ORDER BY 1",
    )
    assert repo_edges == [
        ("pkg:pypi/httpx", "runtime"),
        ("pkg:pypi/orjson", "optional"),
        ("pkg:pypi/pydantic", "runtime"),
        ("pkg:pypi/pytest", "dev"),
    ]
    installed = query(
        db,
        "SELECT count(*) FROM fct_dependency_edges WHERE source_id = 'pkg:pypi/pydantic'"
        " AND target_id = 'pkg:pypi/pydantic-core'",
    )
    assert installed == [(1,)]
    packages = query(
        db, "SELECT is_installed FROM dim_packages WHERE package_id IN ('pkg:pypi/httpx')"
    )
    assert packages == [(True,)]
    npm = query(db, "SELECT is_installed FROM dim_packages WHERE package_id = 'pkg:npm/react'")
    assert npm == [(False,)]


def test_priority_ranks_every_entity_with_its_terms(warehouse):
    db, _ = warehouse
    rows = query(db, "SELECT rank, priority, health, impact, kind FROM fct_priority ORDER BY rank")
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
    priorities = [r[1] for r in rows]
    assert priorities == sorted(priorities, reverse=True)
    kinds = {r[4] for r in rows}
    assert kinds == {"repo", "package"}
    healthy = dict(query(db, "SELECT name, health FROM fct_priority WHERE kind = 'repo'"))
    assert healthy["core"] > healthy["app"]  # active, three authors, tests and CI


def test_ledger_records_each_flow_and_its_states(warehouse):
    db, (first, second, _) = warehouse
    runs = query(
        db,
        "SELECT kind, status, parent_run_id FROM ledger_runs"
        f" WHERE run_id = '{first.run_id}' OR parent_run_id = '{first.run_id}' ORDER BY kind",
    )
    assert runs == [
        ("build", "COMPLETED", first.run_id),
        ("crawl", "COMPLETED", first.run_id),
        ("pipeline", "COMPLETED", None),
        ("score", "COMPLETED", first.run_id),
    ]
    states = query(
        db, f"SELECT state FROM ledger_events WHERE run_id = '{first.run_id}' ORDER BY occurred_at"
    )
    assert states == [("RUNNING",), ("COMPLETED",)]
    summary = query(
        db,
        "SELECT summary->>'$.crawl.repositories' FROM ledger_runs"
        f" WHERE run_id = '{second.run_id}'",
    )
    assert summary == [("4",)]


def test_failing_dbt_test_fails_the_build_flow_and_the_ledger_says_so(
    prefect_server, workspace, tmp_path
):
    db = tmp_path / "w.duckdb"
    with store.connect(db) as con:  # a dependency of a repository that was never crawled
        store.land(
            con,
            "raw_local_dependencies",
            [
                {
                    "repo_id": "local:/ghost",
                    "manifest_path": "requirements.txt",
                    "ecosystem": "pypi",
                    "name": "x",
                    "dependency_kind": "runtime",
                    "extra": "",
                    "version_constraint": "",
                }
            ],
        )
    state = build_flow(db, return_state=True)
    assert state.is_failed()
    with pytest.raises(Exception, match="relationships_stg_local__dependencies_repo_id"):
        state.result()
    assert query(db, "SELECT kind, status FROM ledger_runs") == [("build", "FAILED")]
    detail = query(db, "SELECT detail FROM ledger_events WHERE state = 'FAILED'")[0][0]
    assert "relationships" in detail


def test_reader_sees_a_complete_database_after_the_run(warehouse):
    db, _ = warehouse
    con = duckdb.connect(str(db), read_only=True)  # no WAL left behind to replay
    try:
        assert con.execute("SELECT count(*) FROM fct_priority").fetchone()[0] > 4
    finally:
        con.close()


def test_scoring_configuration_reaches_the_scoring_models(warehouse, tmp_path):
    """Health and priority settings change the scores (dbt hands a Python model only the
    config keys it reads in a plain `dbt.config.get(...)`)."""
    source, _ = warehouse
    db = tmp_path / "copy.duckdb"
    shutil.copyfile(source, db)
    only_tests = {f"weight_{c}": 0.0 for c in HEALTH_COMPONENTS} | {"weight_tests": 1.0}
    even = {"health": 1.0, "impact": 1.0, "solvability": 0.0, "urgency": 0.0, "redundancy": 0.0}
    score_flow(db, only_tests, {}, even)
    rows = query(
        db,
        "SELECT s.health, s.tests, s.impact, p.priority FROM fct_repo_scores s "
        "JOIN fct_priority p USING (entity_id) WHERE s.kind = 'repo'",
    )
    assert rows
    for health, tests, impact, priority in rows:
        assert health == tests
        assert priority == pytest.approx((health + impact) / 2)
    assert {tests for _, tests, _, _ in rows} == {0.0, 1.0}  # repos with and without tests
