"""The Repositories page: health against impact, top PageRank, a dependency neighbourhood."""

from __future__ import annotations

import pandas as pd
from streamlit import dataframe_util
from streamlit.testing.v1 import AppTest

from tests.app_warehouse import open_app, open_young_warehouse
from warehouse.io import snapshot

PAGE = "app_pages/repositories.py"


def scatter(at: AppTest) -> pd.DataFrame:
    (chart,) = at.get("vega_lite_chart")  # st.vega_lite_chart(frame, spec): the rows it plots
    return dataframe_util.convert_arrow_bytes_to_pandas_df(chart.proto.data.data)


def dot(at: AppTest) -> str:
    (graph,) = at.get("graphviz_chart")
    return graph.proto.spec


def repo_id(db, name: str) -> str:
    with snapshot.connect_reader(db) as con:
        return con.execute("SELECT repo_id FROM dim_repos WHERE name = ?", [name]).fetchone()[0]


def test_the_scatter_has_one_point_per_repository(app_warehouse, monkeypatch):
    at = open_app(app_warehouse.db, monkeypatch, page=PAGE)
    with snapshot.connect_reader(app_warehouse.db) as con:
        expected = dict(
            con.execute(
                "SELECT name, round(health, 6) FROM fct_repo_scores WHERE kind = 'repo'"
            ).fetchall()
        )
    points = scatter(at)
    assert (
        sorted(points["name"])
        == sorted(expected)
        == sorted(["core", "acme/core", "app", "legacy", "web", "alpha", "beta", "gamma"])
    )
    assert {
        n: round(h, 6) for n, h in zip(points["name"], points["health"], strict=True)
    } == expected
    assert f"All {len(expected)} scored repositories." in [c.value for c in at.caption]


def test_top_pagerank_lists_the_most_central_nodes(app_warehouse, monkeypatch):
    at = open_app(app_warehouse.db, monkeypatch, page=PAGE)
    with snapshot.connect_reader(app_warehouse.db) as con:
        expected = [
            row[0]
            for row in con.execute(
                "SELECT name FROM fct_repo_scores ORDER BY pagerank DESC, name LIMIT 20"
            ).fetchall()
        ]
    (top,) = [d.value for d in at.dataframe if "pagerank" in d.value.columns]
    assert list(top["name"]) == expected
    assert top["pagerank"].is_monotonic_decreasing


def test_the_neighbourhood_of_app_shows_what_it_depends_on(app_warehouse, monkeypatch):
    at = open_app(app_warehouse.db, monkeypatch, page=PAGE)
    at.text_input(key="repo_filter").input("app").run()
    app_id = repo_id(app_warehouse.db, "app")
    # Only `app` has "app" in its name (its nested plugin is `legacy`), so it is chosen.
    assert at.selectbox(key="neighbourhood_repo").value == app_id
    graph = dot(at)
    assert f'"{app_id}" -> "pkg:pypi/acme-core" [label="runtime"]' in graph
    assert f'"{app_id}" -> "pkg:pypi/requests" [label="runtime"]' in graph
    assert '[label="acme-core"]' in graph and '[label="requests"]' in graph
    assert "2 dependencies; it publishes no package." in [c.value for c in at.caption]


def test_the_neighbourhood_of_core_shows_its_package_and_who_depends_on_it(
    app_warehouse, monkeypatch
):
    at = open_app(app_warehouse.db, monkeypatch, page=PAGE)
    core_id, app_id = repo_id(app_warehouse.db, "core"), repo_id(app_warehouse.db, "app")
    at.selectbox(key="neighbourhood_repo").select(core_id).run()
    graph = dot(at)
    assert f'"{core_id}" -> "pkg:pypi/acme-core" [label="publishes", style="dashed"]' in graph
    assert f'"{app_id}" -> "pkg:pypi/acme-core"' in graph
    for package in ("httpx", "pydantic", "orjson", "pytest"):
        assert f'"{core_id}" -> "pkg:pypi/{package}"' in graph
    assert "4 dependencies; 1 dependents of its package." in [c.value for c in at.caption]


def test_a_filter_matching_nothing_says_so(app_warehouse, monkeypatch):
    at = open_app(app_warehouse.db, monkeypatch, page=PAGE)
    at.text_input(key="repo_filter").input("no-such-repo").run()
    assert not at.get("graphviz_chart")
    assert "No repository name contains 'no-such-repo'." in [c.value for c in at.caption]


def test_a_warehouse_without_marts_says_which_command_fills_them(tmp_path, monkeypatch):
    at = open_young_warehouse(tmp_path, monkeypatch, PAGE)
    assert not at.get("vega_lite_chart") and not at.get("graphviz_chart")
