"""The dbt Python model int_graph_scores, run by dbt on int_graph_* tables in a DuckDB file."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from scoring.graph import graph_metrics, prefer_service_dependents
from scoring.impact import ImpactConfig, score_impact
from tasks.dbt.build import invoke

EDGES = [
    ("app", "web", "runtime"),
    ("app", "web", "dev"),  # duplicate: the runtime edge wins
    ("web", "core", "runtime"),
    ("core", "web", "peer"),  # a cycle
    ("cli", "core", "runtime"),
    ("cli", "cli", "runtime"),  # a self-loop
    ("tests", "core", "dev"),
    ("lonely", "lonely", "optional"),
]


def _run(db, config: ImpactConfig) -> pl.DataFrame:
    variables = {
        "health_json": "{}",
        "priority_json": "{}",
        "impact_json": config.model_dump_json(),
    }
    outcome = invoke(db, "run", ["int_graph_scores"], variables)
    assert outcome.success, outcome.describe_failures()
    with duckdb.connect(str(db)) as con:
        return con.sql("SELECT * FROM int_graph_scores ORDER BY entity_id").pl()


@pytest.fixture
def graph_db(tmp_path):
    nodes = pl.DataFrame({"entity_id": ["app", "web", "core", "cli", "tests", "lonely", "extra"]})
    edges = pl.DataFrame(EDGES, schema=["source_id", "target_id", "dependency_kind"], orient="row")
    db = tmp_path / "w.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute(
            "CREATE TABLE int_graph_nodes AS "
            "SELECT *, NULL::BIGINT AS service_dependents FROM nodes"
        )
        con.execute("CREATE TABLE int_graph_edges AS SELECT * FROM edges")
    return db, nodes, edges


def test_model_writes_every_metric_and_how_it_was_made(graph_db):
    db, nodes, edges = graph_db
    config = ImpactConfig(reach_threshold=10, dependents_threshold=10)
    table = _run(db, config)
    counts = nodes.with_columns(service_dependents=pl.lit(None, dtype=pl.Int64))
    metrics = prefer_service_dependents(graph_metrics(nodes, edges, config), counts)
    expected = score_impact(metrics, config).sort("entity_id")
    assert table.columns == expected.columns
    assert table.select("entity_id", "dependents", "downstream_reach").rows() == [
        ("app", 0, 0),
        ("cli", 0, 0),
        ("core", 2, 3),  # web (cycle), cli; app through web
        ("extra", 0, 0),
        ("lonely", 0, 0),
        ("tests", 0, 0),
        ("web", 2, 3),  # app, core; cli through core
    ]
    for column in ("pagerank", "betweenness", "impact"):
        assert table.get_column(column).to_list() == pytest.approx(
            expected.get_column(column).to_list()
        )
    assert set(table.get_column("reach_method")) == {"exact"}
    assert set(table.get_column("dependents_source")) == {"graph"}  # no service configured
    assert set(table.get_column("betweenness_method")) == {"exact"}
    assert set(table.get_column("betweenness_samples")) == {7}
    assert table.get_column("impact").is_between(0, 1).all()


def test_model_takes_the_limits_from_the_impact_config(graph_db):
    db, _, _ = graph_db
    config = ImpactConfig(
        reach_exact_max_nodes=3, betweenness_exact_max_nodes=3, betweenness_samples=2
    )
    table = _run(db, config)
    assert set(table.get_column("reach_method")) == {"estimated"}
    assert set(table.get_column("betweenness_method")) == {"sampled"}
    assert set(table.get_column("betweenness_samples")) == {2}
