"""Overview: the warehouse and the ledger in figures, runs over time, and the last runs."""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from app_pages import app_cache
from warehouse.readers import queries

TREND_DAYS = 90

st.title("Overview")

figures = app_cache.read(queries.overview_figures)
if not app_cache.has_tables("dim_repos", "fct_priority"):
    st.info(
        "Nothing is crawled and scored yet: `globallm run` (local sources) or `globallm discover`"
        " (GitHub, package registries) fills the marts counted here."
    )

counts = st.columns(4)
counts[0].metric("Repositories", f"{figures['repositories']:,}")
counts[1].metric("Packages", f"{figures['packages']:,}")
counts[2].metric("Open issues", f"{figures['issues']:,}")
counts[3].metric("Plan items", f"{figures['plan_items']:,}")

changes = st.columns(4)
changes[0].metric("PRs opened", f"{figures['prs_opened']:,}")
changes[1].metric("PRs merged", f"{figures['prs_merged']:,}")
changes[2].metric("PRs blocked", f"{figures['prs_blocked']:,}")
budget = app_cache.weekly_token_budget()
used = figures["llm_tokens_7d"]
changes[3].metric(
    "LLM tokens (7 days)",
    f"{used:,}",
    delta=f"{used / budget:.1%} of {budget:,} a week" if budget else "no weekly budget set",
    delta_color="off",
    delta_arrow="off",
    help="Tokens in and out of every LLM call in the last 7 days, against the weekly budget.",
)

st.subheader("Runs per day")
trend = app_cache.read(queries.runs_per_day, TREND_DAYS)
if trend.is_empty():
    st.caption(f"No runs in the last {TREND_DAYS} days.")
else:
    # A bar per day, stacked by kind, on the whole window so that idle days show as gaps.
    today = date.today()
    window = [
        (today - timedelta(days=TREND_DAYS - 1)).isoformat(),
        (today + timedelta(days=1)).isoformat(),
    ]
    st.vega_lite_chart(
        trend,
        {
            "mark": {"type": "bar"},
            "encoding": {
                "x": {
                    "field": "day",
                    "type": "temporal",
                    "timeUnit": "yearmonthdate",
                    "title": "day",
                    "scale": {"domain": window},
                },
                "y": {"aggregate": "sum", "field": "runs", "type": "quantitative", "title": "runs"},
                "color": {"field": "kind", "type": "nominal"},
                "tooltip": [
                    {"field": "day", "type": "temporal"},
                    {"field": "kind", "type": "nominal"},
                    {"field": "runs", "type": "quantitative"},
                ],
            },
        },
    )

st.subheader("Last runs")
runs = app_cache.read(queries.last_runs, 10)
if runs.is_empty():
    st.caption("No runs yet: `globallm run` or `globallm discover` starts the first.")
else:
    st.dataframe(
        runs,
        hide_index=True,
        column_order=("status", "kind", "recipe", "started", "duration_s", "actor", "run_id"),
        column_config={
            "started": st.column_config.DatetimeColumn("started", format="YYYY-MM-DD HH:mm:ss"),
            "duration_s": st.column_config.NumberColumn("duration", format="%.1f s"),
        },
    )
