"""Repositories: health against impact, the graph's most central nodes, and a neighbourhood."""

from __future__ import annotations

import streamlit as st

from app_pages import app_cache
from warehouse.readers import graph_queries

SCATTER_CAP = 5000
EDGE_CAP = 50
SCATTER_SPEC = {
    "mark": {"type": "circle", "size": 60, "opacity": 0.7},
    "encoding": {
        "x": {"field": "health", "type": "quantitative", "scale": {"domain": [0, 1]}},
        "y": {"field": "impact", "type": "quantitative", "scale": {"domain": [0, 1]}},
        "color": {"field": "language", "type": "nominal"},
        "tooltip": [
            {"field": name, "type": kind}
            for name, kind in (
                ("name", "nominal"),
                ("language", "nominal"),
                ("health", "quantitative"),
                ("impact", "quantitative"),
                ("priority", "quantitative"),
                ("rank", "quantitative"),
            )
        ],
    },
}


def quoted(text: str) -> str:
    """A DOT string literal."""
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def statement(*ids: str, **attributes: str) -> str:
    """A DOT node (one id) or edge (two ids) statement with quoted attributes."""
    listed = ", ".join(f"{name}={quoted(value)}" for name, value in attributes.items())
    return f"  {' -> '.join(quoted(i) for i in ids)} [{listed}];"


def neighbourhood_dot(graph: dict, repo_id: str) -> str:
    """DOT for the repository, what it depends on, its package and who depends on that."""
    repo, package = graph["repo"], graph["repo"]["package_id"]
    lines = [
        "digraph neighbourhood {",
        "  rankdir=LR;",
        '  node [shape=box, style="rounded,filled", fillcolor="#f4f4f4", fontname="sans-serif"];',
        statement(repo_id, label=repo["name"], fillcolor="#ffd966"),
    ]
    for dependency in graph["depends_on"]:
        lines.append(statement(dependency["id"], label=dependency["name"]))
        lines.append(statement(repo_id, dependency["id"], label=dependency["kinds"]))
    if package:
        lines.append(statement(package, label=repo["package_name"] or package, fillcolor="#cfe2f3"))
        lines.append(statement(repo_id, package, label="publishes", style="dashed"))
    for dependent in graph["dependents"]:
        shape = "box" if dependent["kind"] == "repo" else "ellipse"
        lines.append(statement(dependent["id"], label=dependent["name"], shape=shape))
        lines.append(statement(dependent["id"], package, label=dependent["kinds"]))
    lines.append("}")
    return "\n".join(lines)


st.title("Repositories")
if not app_cache.has_tables("fct_priority", "fct_repo_scores", "dim_repos", "dim_packages"):
    st.info(
        "No repositories are scored yet: `globallm run` (local checkouts) or `globallm discover`"
        " (GitHub) crawls, builds and scores them."
    )
    st.stop()

st.subheader("Health against impact")
points = app_cache.read(graph_queries.health_impact, SCATTER_CAP)
scored = app_cache.read(graph_queries.scored_repo_count)
if points.is_empty():
    st.caption("No repository has both a health and an impact score yet.")
else:
    # A plain Vega-Lite spec: Altair's to_dict validates and copies 5,000 rows (~0.3 s).
    st.vega_lite_chart(points, SCATTER_SPEC)
    if scored > points.height:
        st.caption(f"The {points.height:,} best-ranked of {scored:,} scored repositories.")
    else:
        st.caption(f"All {scored:,} scored repositories.")

st.subheader("Top PageRank")
st.dataframe(
    app_cache.read(graph_queries.top_pagerank, 20),
    hide_index=True,
    column_config={"pagerank": st.column_config.NumberColumn("pagerank", format="%.4f")},
)

st.subheader("Dependency neighbourhood")
text = st.text_input("Filter repositories by name", key="repo_filter").strip()
choices = app_cache.read(graph_queries.repo_choices, text, 100)
if choices.is_empty():
    st.caption(f"No repository name contains {text!r}.")
    st.stop()
labels = {row["repo_id"]: f"{row['name']} ({row['location']})" for row in choices.to_dicts()}
repo_id = st.selectbox(
    "Repository", list(labels), format_func=labels.__getitem__, key="neighbourhood_repo"
)
graph = app_cache.read(graph_queries.neighbourhood, repo_id, EDGE_CAP)
st.graphviz_chart(neighbourhood_dot(graph, repo_id))
shown = len(graph["depends_on"]) + len(graph["dependents"])
total = graph["depends_on_total"] + graph["dependents_total"]
if shown < total:
    st.caption(f"Showing {shown} of {total} edges (at most {EDGE_CAP}).")
elif graph["repo"]["package_id"]:
    st.caption(
        f"{graph['depends_on_total']} dependencies;"
        f" {graph['dependents_total']} dependents of its package."
    )
else:
    st.caption(f"{graph['depends_on_total']} dependencies; it publishes no package.")
