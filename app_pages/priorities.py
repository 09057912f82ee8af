"""Priorities: the ranked queue, filtered in SQL, one page at a time; a row opens its detail."""

from __future__ import annotations

import math
import zlib

import polars as pl
import streamlit as st

from app_pages import app_cache
from warehouse.readers import priority_queries

PAGE_SIZE = 50
COMPONENTS = ("priority", "health", "impact", "solvability", "urgency", "redundancy")
NO_SELECTION = {"selection": {"rows": [], "columns": [], "cells": []}}
SCORE_PARTS = (
    "health",
    "velocity",
    "diversity",
    "recency",
    "tests",
    "ci",
    "resolution",
    "impact",
    "pagerank",
)


def facts_table(facts: dict) -> None:
    """A record as two columns (field, value), leaving out what was not collected."""
    shown = {name: value for name, value in facts.items() if value is not None}
    st.dataframe(
        pl.DataFrame({"field": list(shown), "value": [str(value) for value in shown.values()]}),
        hide_index=True,
    )


def score_bars(scores: dict) -> None:
    """The entity's score components (0-1) as bars; missing signals are left out."""
    parts = [(n, float(scores[n])) for n in SCORE_PARTS if scores.get(n) is not None]
    if parts:
        st.bar_chart(
            pl.DataFrame(parts, schema=["component", "value"], orient="row"),
            x="component",
            y="value",
            horizontal=True,
            sort=False,
        )
    else:
        st.caption("No score components collected.")


def count(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def github_section(github: dict) -> None:
    """Stars, CI state and issue resolution as GitHub reported them at the last crawl."""
    if not github:
        st.caption("Not fetched from GitHub (`globallm discover` with GITHUB_TOKEN set).")
        return
    st.markdown(f"**On GitHub** · [{github['name']}]({github['url']})")
    stars, forks, ci, resolved = st.columns(4)
    stars.metric("Stars", count(github["stars"]))
    forks.metric("Forks", count(github["forks"]))
    ci.metric("CI on default branch", (github["ci_state"] or "none").lower())
    closed, still_open = github["issues_closed_90d"], github["open_issues"]
    resolved.metric(
        "Issues closed in 90 days",
        count(closed),
        help=f"{count(still_open)} still open",
    )
    notes = [
        f"license {github['license'] or 'none'}",
        f"{count(github['releases'])} releases",
        "security policy" if github["has_security_policy"] else "no security policy",
        "CODEOWNERS" if github["has_codeowners"] else "no CODEOWNERS",
    ]
    if github["pushed_at"] is not None:
        notes.append(f"last push {github['pushed_at']:%Y-%m-%d}")
    if github["archived"]:
        notes.insert(0, "archived")
    st.caption(" · ".join(notes))


def repo_detail(row: dict) -> None:
    detail = app_cache.read(priority_queries.repo_detail, row["entity_id"])
    github_section(detail["github"])
    left, right = st.columns(2)
    with left:
        facts_table(detail["facts"])
    with right:
        score_bars(detail["scores"])
    st.markdown("**Open issues** (most reactions and comments first)")
    issues = app_cache.read(priority_queries.repo_issues, row["entity_id"], 20)
    if issues.is_empty():
        st.caption("No open issues landed for this repository (the GitHub source lands them).")
    else:
        st.dataframe(
            issues,
            hide_index=True,
            column_config={"url": st.column_config.LinkColumn("url", display_text="open")},
        )


def package_detail(row: dict) -> None:
    detail = app_cache.read(priority_queries.package_detail, row["entity_id"])
    dependents = detail["scores"].get("dependents") or 0
    st.metric("Dependents", f"{dependents:,}", help="Repositories and packages that depend on it")
    left, right = st.columns(2)
    with left:
        facts_table(detail["facts"])
    with right:
        score_bars(detail["scores"])


st.title("Priorities")
if not app_cache.has_tables("fct_priority", "dim_repos", "dim_packages", "fct_issues"):
    st.info(
        "Nothing is ranked yet: `globallm run` (local sources) or `globallm discover` (GitHub,"
        " package registries) crawls, builds and scores the warehouse."
    )
    st.stop()

options = app_cache.read(priority_queries.priority_options)
columns = st.columns([2, 1, 1, 2])
filters = priority_queries.PriorityFilter(
    languages=tuple(columns[0].multiselect("Language", options["language"])),
    kinds=tuple(columns[1].multiselect("Kind", options["kind"])),
    sources=tuple(columns[2].multiselect("Source", options["source"])),
    min_priority=columns[3].slider("Minimum priority", 0.0, 1.0, 0.0, 0.05),
)
total = app_cache.read(priority_queries.priority_count, filters)
pages = max(1, math.ceil(total / PAGE_SIZE))
# Each set of filters has its own pager, so new filters start again at page 1; a new page or
# new filters drop the row selection, whose index would otherwise point at another row.
pager = f"priority_page-{zlib.crc32(repr(filters).encode()):08x}"
page = st.pagination(pages, key=pager) if pages > 1 else 1
if st.session_state.get("priority_view") != (filters, page):
    st.session_state["priority_view"] = (filters, page)
    st.session_state["priority_table"] = NO_SELECTION
rows = app_cache.read(priority_queries.priority_page, filters, page, PAGE_SIZE)
first = (page - 1) * PAGE_SIZE
if total:
    st.caption(f"{total:,} ranked rows match; rows {first + 1:,}-{first + rows.height:,} shown.")
else:
    st.caption("No ranked row matches these filters.")

progress = {
    name: st.column_config.ProgressColumn(name, min_value=0.0, max_value=1.0, format="%.2f")
    for name in COMPONENTS
}
selection = st.dataframe(
    rows,
    hide_index=True,
    column_order=("rank", "name", "kind", "source", "language", *COMPONENTS),
    column_config=progress,
    key="priority_table",
    on_select="rerun",
    selection_mode="single-row",
)
selected = selection["selection"]["rows"]
if not selected or selected[0] >= rows.height:
    st.caption("Select a row to open its repository or package.")
else:
    row = rows.row(selected[0], named=True)
    st.subheader(f"{row['name']} ({row['kind']}, rank {row['rank']})")
    if row["kind"] == "repo":
        repo_detail(row)
    else:
        package_detail(row)
