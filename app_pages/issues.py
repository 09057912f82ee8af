"""Issues: the work queue (open issues ranked by priority), filtered in SQL, one page at a
time; a row opens its triage (why it is solvable or not, and what the solve loop may do)."""

from __future__ import annotations

import math
import zlib

import streamlit as st

from app_pages import app_cache
from warehouse.readers import issue_queries

PAGE_SIZE = 50
TERMS = ("priority", "urgency", "solvability", "health", "impact")
NO_SELECTION = {"selection": {"rows": [], "columns": [], "cells": []}}
# what the solve loop does with an issue of each risk level (scoring/risk.py DECISIONS)
DECISION_HELP = {
    "auto-merge": "low risk: the loop may merge a verified fix by itself",
    "auto-merge+notify": "medium risk: merged when verified, and the maintainers are told",
    "open": "high risk: the loop opens a pull request for a person to review",
    "never": "critical risk: the loop never proposes a change",
}


def issue_detail(row: dict) -> None:
    """The triage of the selected issue and what the solve loop may do with it."""
    st.markdown(f"[{row['repo']}#{row['number']}]({row['url']}) · {row['title']}")
    category, complexity, risk, method = st.columns(4)
    category.metric("Category", row["category"] or "—")
    complexity.metric("Complexity", "—" if row["complexity"] is None else f"{row['complexity']}/10")
    risk.metric("Risk", row["risk"] or "—", help=DECISION_HELP.get(row["decision"] or ""))
    confidence = row["triage_confidence"]
    method.metric(
        "Triage",
        row["triage_method"] or "not triaged",
        help=None if confidence is None else f"confidence {confidence:.2f}",
    )
    if row["solvable"] is None:
        st.caption("Not triaged yet: `globallm triage` judges whether a patch can resolve it.")
    else:
        verdict = "Solvable by an automated patch" if row["solvable"] else "Not for a patch"
        st.markdown(f"**{verdict}**: {row['solvable_reason'] or 'no reason given'}")
    notes = [f"decision {row['decision'] or '—'}", f"breaking risk {row['breaking_risk'] or '—'}"]
    if row["age_days"] is not None:
        notes.append(f"open {row['age_days']:,} days")
    st.caption(" · ".join(notes))
    issue_work(row["url"])


def issue_work(url: str) -> None:
    """The changes proposed for the issue (with their pull request or branch), and what the
    solve loop last said of it (skipped and why, merged and notified)."""
    changes = app_cache.read(issue_queries.issue_changes, url)
    if changes.is_empty():
        st.caption("No change proposed for this issue yet (`globallm solve`).")
    for change in changes.iter_rows(named=True):
        pr_url = change["pr_url"]
        where = f"[pull request]({pr_url})" if pr_url else f"branch `{change['branch']}`"
        reasons = "; ".join(change["gate_reasons"] or [])
        st.markdown(
            f"**Change {change['state']}** by {change['generated_by'] or 'globallm'}: {where}"
            + (f" — {reasons}" if reasons and change["state"] != "MERGED" else "")
        )
    events = app_cache.read(issue_queries.issue_events, url)
    for event in events.iter_rows(named=True):
        at = f"{event['occurred_at']:%Y-%m-%d %H:%M}"
        st.caption(f"solve: {event['state']} · {event['detail'] or ''} · {at}")


st.title("Issues")
if not app_cache.has_tables("fct_issue_priority"):
    st.info(
        "No work queue yet: `globallm issues` (GitHub, GITHUB_TOKEN set) crawls the open issues"
        " of the ranked repositories, triages and ranks them."
    )
    st.stop()

options = app_cache.read(issue_queries.issue_options)
columns = st.columns([2, 2, 2, 2])
filters = issue_queries.IssueFilter(
    languages=tuple(columns[0].multiselect("Language", options["language"])),
    categories=tuple(columns[1].multiselect("Category", options["category"])),
    decisions=tuple(columns[2].multiselect("Decision", options["decision"])),
    min_priority=columns[3].slider("Minimum priority", 0.0, 1.0, 0.0, 0.05),
)
total = app_cache.read(issue_queries.issue_count, filters)
pages = max(1, math.ceil(total / PAGE_SIZE))
# As on Priorities: each set of filters has its own pager, and a new page or new filters
# drop the row selection, whose index would otherwise point at another row.
pager = f"issue_page-{zlib.crc32(repr(filters).encode()):08x}"
page = st.pagination(pages, key=pager) if pages > 1 else 1
if st.session_state.get("issue_view") != (filters, page):
    st.session_state["issue_view"] = (filters, page)
    st.session_state["issue_table"] = NO_SELECTION
rows = app_cache.read(issue_queries.issue_page, filters, page, PAGE_SIZE)
first = (page - 1) * PAGE_SIZE
methods = app_cache.read(issue_queries.triage_methods)
judged = ", ".join(f"{count:,} {method}" for method, count in methods.items())
if total:
    st.caption(
        f"{total:,} open issues match; rows {first + 1:,}-{first + rows.height:,} shown."
        f" Triaged by: {judged}."
    )
else:
    st.caption("No open issue matches these filters.")

config = {
    name: st.column_config.ProgressColumn(name, min_value=0.0, max_value=1.0, format="%.2f")
    for name in TERMS
}
config["url"] = st.column_config.LinkColumn("url", display_text="open")
selection = st.dataframe(
    rows,
    hide_index=True,
    column_order=("rank", "repo", "number", "title", "category", *TERMS, "risk", "url"),
    column_config=config,
    key="issue_table",
    on_select="rerun",
    selection_mode="single-row",
)
selected = selection["selection"]["rows"]
if not selected or selected[0] >= rows.height:
    st.caption("Select a row to open its triage.")
else:
    row = rows.row(selected[0], named=True)
    st.subheader(f"{row['repo']}#{row['number']} (rank {row['rank']})")
    issue_detail(row)
