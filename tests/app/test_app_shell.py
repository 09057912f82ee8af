"""The app's shell: navigation, sidebar, the empty-warehouse page, and the Overview figures."""

from __future__ import annotations

from pathlib import Path

from tests.app_warehouse import open_app
from warehouse.io import snapshot
from warehouse.readers import queries


def test_an_empty_warehouse_says_how_to_fill_it(tmp_path: Path, monkeypatch):
    at = open_app(tmp_path / "none.duckdb", monkeypatch)
    text = " ".join(block.value for block in at.info)
    assert "globallm run" in text and "globallm discover" in text
    assert "none.duckdb" in text


def test_the_sidebar_names_the_warehouse_and_the_snapshot_time(app_warehouse, monkeypatch):
    at = open_app(app_warehouse.db, monkeypatch)
    captions = " ".join(c.value for c in at.sidebar.caption)
    assert str(app_warehouse.db) in captions
    assert "Data as of" in captions


def test_overview_figures_count_what_the_flows_wrote(app_warehouse):
    with snapshot.connect_reader(app_warehouse.db) as con:
        figures = queries.overview_figures(con)
    assert figures["issues"] == 3
    assert figures["plan_items"] >= 3
    assert figures["prs_merged"] == 2
    assert figures["prs_blocked"] == 1
    assert figures["llm_tokens_7d"] == 1500
    assert figures["repositories"] >= 7
