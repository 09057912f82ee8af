"""The Issues page: the work queue in rank order, filters applied, a selected issue's triage."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.app_warehouse import open_app
from warehouse.io import snapshot, store

PAGE = "app_pages/issues.py"


def queued(db: Path, where: str = "true") -> list[str]:
    with snapshot.connect_reader(db) as con:
        return [
            row[0]
            for row in con.execute(
                f"SELECT issue_id FROM fct_issue_priority WHERE {where} ORDER BY rank"
            ).fetchall()
        ]


def table(at: AppTest):
    return at.dataframe(key="issue_table").value


def captions(at: AppTest) -> str:
    return " ".join(c.value for c in at.caption)


def test_rows_are_the_work_queue_in_rank_order(app_warehouse, monkeypatch):
    at = open_app(app_warehouse.db, monkeypatch, page=PAGE)
    rows = table(at)
    assert list(rows["issue_id"]) == queued(app_warehouse.db)
    assert sorted(rows["number"]) == [1, 2, 3]  # the three open issues of acme/core
    assert list(rows["rank"]) == [1, 2, 3]
    assert set(rows["repo"]) == {"acme/core"}
    # the fixture triages before its pipeline; three labelled issues are too few to train on
    assert "3 open issues match" in captions(at) and "Triaged by: 3 heuristic" in captions(at)
    assert rows["urgency"].notna().all() and rows["solvability"].notna().all()


def test_filters_narrow_the_queue_in_sql(app_warehouse, monkeypatch):
    at = open_app(app_warehouse.db, monkeypatch, page=PAGE)
    assert [m.label for m in at.multiselect] == ["Language", "Category", "Decision"]
    assert set(at.multiselect[1].options) == {"bug", "security", "feature"}
    at.multiselect[1].select("security").run()
    rows = table(at)
    assert list(rows["number"]) == [2]
    assert list(rows["issue_id"]) == queued(app_warehouse.db, "category = 'security'")
    at.multiselect[1].unselect("security").run()
    at.slider[0].set_value(1.0).run()
    assert table(at).empty
    assert "No open issue matches these filters." in captions(at)


def test_a_selected_issue_shows_its_triage(app_warehouse, monkeypatch):
    at = open_app(app_warehouse.db, monkeypatch, page=PAGE)
    rows = table(at)
    index = list(rows["number"]).index(2)
    at.session_state["issue_table"] = {"selection": {"rows": [index], "columns": [], "cells": []}}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.subheader[0].value == f"acme/core#2 (rank {rows['rank'].iloc[index]})"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Category"] == "security" and metrics["Triage"] == "heuristic"
    assert metrics["Risk"] == rows["risk"].iloc[index]
    text = " ".join(m.value for m in at.markdown)
    assert "https://github.com/acme/core/issues/2" in text
    assert "Solvable by an automated patch" in text or "Not for a patch" in text
    assert f"decision {rows['decision'].iloc[index]}" in captions(at)
    assert "No change proposed for this issue yet" in captions(at)


def test_a_warehouse_without_the_work_queue_says_how_to_fill_it(tmp_path, monkeypatch):
    db = tmp_path / "young.duckdb"
    with store.connect(db):
        pass
    at = open_app(db, monkeypatch, page=PAGE)
    assert not at.dataframe
    assert any("globallm" in block.value for block in at.info)
