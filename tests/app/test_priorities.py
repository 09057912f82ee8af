"""The Priorities page: ranked rows in order, filters applied, and a selected row's detail."""

from __future__ import annotations

import math

from streamlit.testing.v1 import AppTest

from tests.app_warehouse import open_app, open_young_warehouse
from warehouse.io import snapshot

PAGE = "app_pages/priorities.py"


def ranked(db, where: str = "true") -> list[str]:
    with snapshot.connect_reader(db) as con:
        return [
            row[0]
            for row in con.execute(
                f"SELECT entity_id FROM fct_priority WHERE {where} ORDER BY rank LIMIT 50"
            ).fetchall()
        ]


def table(at: AppTest):
    return at.dataframe(key="priority_table").value


def select_row(at: AppTest, index: int) -> AppTest:
    at.session_state["priority_table"] = {
        "selection": {"rows": [index], "columns": [], "cells": []}
    }
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_rows_are_fct_priority_in_rank_order_with_the_total(app_warehouse, monkeypatch):
    at = open_app(app_warehouse.db, monkeypatch, page=PAGE)
    expected = ranked(app_warehouse.db)
    rows = table(at)
    assert list(rows["entity_id"]) == expected
    assert list(rows["rank"]) == list(range(1, len(expected) + 1))
    assert rows["name"].iloc[0] in ("core", "acme/core")  # the checkout or its upstream
    assert f"{len(expected)} ranked rows match" in " ".join(c.value for c in at.caption)


def test_filters_narrow_the_rows_in_sql(app_warehouse, monkeypatch):
    at = open_app(app_warehouse.db, monkeypatch, page=PAGE)
    assert at.multiselect[0].label == "Language"
    assert at.multiselect[0].options == ["JavaScript", "Python"]
    at.multiselect[0].select("JavaScript").run()
    rows = table(at)
    assert list(rows["entity_id"]) == ranked(app_warehouse.db, "language = 'JavaScript'")
    assert set(rows["name"]) == {"web", "react", "react-dom", "jest"}

    at.multiselect[1].select("repo").run()  # Kind
    assert list(table(at)["name"]) == ["web"]

    at.multiselect[1].unselect("repo").run()
    with snapshot.connect_reader(app_warehouse.db) as con:
        best = con.execute(
            "SELECT max(priority) FROM fct_priority WHERE language = 'JavaScript'"
        ).fetchone()[0]
    floor = math.floor(best * 20) / 20  # the slider's 0.05 step at or below the best row
    at.slider[0].set_value(floor).run()  # Minimum priority
    rows = table(at)
    assert list(rows["entity_id"]) == ranked(
        app_warehouse.db, f"language = 'JavaScript' AND priority >= {floor}"
    )
    assert len(rows) >= 1
    assert rows["priority"].min() >= floor
    assert len(rows) < 4


def local_core(at: AppTest) -> int:
    """The row of the local checkout `core` (its GitHub upstream acme/core is a row too)."""
    rows = table(at)
    pairs = zip(rows["name"], rows["source"], strict=True)
    return next(i for i, pair in enumerate(pairs) if pair == ("core", "local"))


def test_a_selected_repo_shows_its_facts_scores_and_issues(app_warehouse, monkeypatch):
    at = open_app(app_warehouse.db, monkeypatch, page=PAGE)
    at = select_row(at, local_core(at))
    assert at.subheader[0].value.startswith("core (repo, rank ")
    facts = next(d.value for d in at.dataframe if list(d.value.columns) == ["field", "value"])
    assert dict(zip(facts["field"], facts["value"], strict=True))["remote_url"].endswith(
        "acme/core"
    )
    # The local checkout's issues are landed as github:acme/core: matched through its remote.
    issues = next(d.value for d in at.dataframe if "title" in d.value.columns)
    assert list(issues["number"]) == [3, 2, 1]  # most reactions + comments first
    assert list(issues["title"]) == [
        "Support HTTP/3",
        "Token leaks into logs",
        "Crash when the proxy is unset",
    ]
    assert len(at.get("vega_lite_chart")) == 1  # the score components as bars


def test_a_repo_without_issues_says_so(app_warehouse, monkeypatch):
    at = open_app(app_warehouse.db, monkeypatch, page=PAGE)
    index = list(table(at)["name"]).index("app")
    at = select_row(at, index)
    assert at.subheader[0].value.startswith("app (repo")
    assert any("No open issues" in c.value for c in at.caption)


def test_a_selected_package_shows_its_dependents(app_warehouse, monkeypatch):
    at = open_app(app_warehouse.db, monkeypatch, page=PAGE)
    index = list(table(at)["name"]).index("requests")
    at = select_row(at, index)
    assert at.subheader[0].value.startswith("requests (package")
    assert {m.label: m.value for m in at.metric}["Dependents"] == "1"  # the app repository


def test_changing_a_filter_drops_the_selection(app_warehouse, monkeypatch):
    at = select_row(open_app(app_warehouse.db, monkeypatch, page=PAGE), 0)
    assert at.subheader
    at.multiselect[0].select("JavaScript").run()
    assert not at.subheader
    assert any("Select a row" in c.value for c in at.caption)


def test_a_warehouse_without_marts_says_which_command_fills_them(tmp_path, monkeypatch):
    at = open_young_warehouse(tmp_path, monkeypatch, PAGE)
    assert not at.dataframe


def test_a_checkout_shows_what_github_says_of_its_upstream(app_warehouse, monkeypatch):
    at = open_app(app_warehouse.db, monkeypatch, page=PAGE)
    at = select_row(at, local_core(at))
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Stars"] == "4,200"
    assert metrics["CI on default branch"] == "success"
    assert metrics["Issues closed in 90 days"] == "9"
    assert any("[acme/core](https://github.com/acme/core)" in m.value for m in at.markdown)
    assert any("license MIT" in c.value and "security policy" in c.value for c in at.caption)


def test_a_repo_never_fetched_from_github_says_how_to_fetch_it(app_warehouse, monkeypatch):
    at = open_app(app_warehouse.db, monkeypatch, page=PAGE)
    at = select_row(at, list(table(at)["name"]).index("app"))
    assert not [m for m in at.metric if m.label == "Stars"]
    assert any("Not fetched from GitHub" in c.value for c in at.caption)
