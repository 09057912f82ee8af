"""Overview: the warehouse and the ledger in figures, runs over time, the last runs, this week's
budgets, LLM spend."""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from app_pages import app_cache
from warehouse.readers import budget_queries, issue_queries, llm_queries, queries

TREND_DAYS = 90
LLM_DAYS = 7
SPEND_ROWS = 10
CLOSEST_REPOS = 5
RUN_COLUMNS = ("kind", "calls", "cache_hits", "tokens_in", "tokens_out", "cost")
RUN_COLUMNS += ("secrets_redacted", "last_call", "run_id")

st.title("Overview")

figures = app_cache.read(queries.overview_figures)
if not app_cache.has_tables("dim_repos", "fct_priority"):
    st.info(
        "Nothing is crawled and scored yet: `globallm run` (local sources) or `globallm discover`"
        " (GitHub, package registries) fills the marts counted here."
    )

cost = app_cache.read(llm_queries.llm_cost, LLM_DAYS)

counts = st.columns(4)
counts[0].metric("Repositories", f"{figures['repositories']:,}")
counts[1].metric("Packages", f"{figures['packages']:,}")
counts[2].metric("Open issues", f"{figures['issues']:,}")
counts[3].metric("Plan items", f"{figures['plan_items']:,}")

changes = st.columns(5)
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
changes[4].metric(
    "LLM cost (7 days)",
    f"{cost:,.4f}",
    help="What the LLM calls of the last 7 days cost at the configured prices per 1,000 "
    "tokens (cached answers cost nothing).",
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

notified = app_cache.read(issue_queries.notifications, 7)
if not notified.is_empty():
    st.subheader("Merged without review: please look")
    st.caption(
        "The solve loop merged these medium-risk fixes once their tests passed, and tells you"
        " so here and in the ledger (`ledger_events`, state NOTIFY)."
    )
    st.dataframe(
        notified,
        hide_index=True,
        column_config={
            "occurred_at": st.column_config.DatetimeColumn("merged", format="YYYY-MM-DD HH:mm"),
            "url": st.column_config.LinkColumn("issue"),
        },
    )

st.subheader("Budget this week")
spend = app_cache.read(budget_queries.read_spend)
limits = app_cache.budget_limits()
st.caption(
    f"Since Monday {spend.week_start:%Y-%m-%d} 00:00 UTC; a limit of 0 is no limit. The solve"
    " loop refuses work that would go over a budget; `globallm budget` lists them all."
)
week_limit = limits.tokens_per_week
st.metric(
    "LLM tokens this week",
    f"{spend.week_tokens:,}",
    delta=f"of {week_limit:,}" if week_limit else "no weekly limit",
    delta_color="off",
    delta_arrow="off",
    help="Tokens in and out of every LLM call since Monday 00:00 UTC (cached answers: none).",
)
if week_limit:
    st.progress(
        min(spend.week_tokens / week_limit, 1.0),
        text=f"{spend.week_tokens / week_limit:.1%} of the weekly token budget",
    )
closest = budget_queries.closest_to_limits(budget_queries.budget_rows(spend, limits), CLOSEST_REPOS)
if closest.is_empty():
    st.caption("No repository has spent from a limited budget this week.")
else:
    st.markdown(
        f"**Repositories closest to a limit** (at most {CLOSEST_REPOS}), each by its most used"
        " budget"
    )
    st.dataframe(
        closest,
        hide_index=True,
        column_config={
            "used_pct": st.column_config.ProgressColumn(
                "used", format="%.1f %%", min_value=0, max_value=100
            ),
        },
    )

st.subheader("LLM spend")
by_repo = app_cache.read(llm_queries.llm_cost_by_repo, SPEND_ROWS)
if by_repo.is_empty():
    st.caption("No LLM calls yet: `globallm fix` asks the configured model.")
else:
    st.caption(
        "Every LLM call in the ledger, priced per 1,000 tokens in and out as configured for"
        " its model; cached answers cost nothing."
    )
    cost_column = st.column_config.NumberColumn("cost", format="%.4f")
    st.markdown("**Per repository**, highest cost first")
    st.dataframe(
        by_repo,
        hide_index=True,
        column_config={"repo": "repository", "cost": cost_column},
    )
    st.markdown("**Per run**, newest call first")
    st.dataframe(
        app_cache.read(llm_queries.llm_cost_by_run, SPEND_ROWS),
        hide_index=True,
        column_order=RUN_COLUMNS,
        column_config={
            "cost": cost_column,
            "cache_hits": "cached",
            "secrets_redacted": "secrets redacted",
            "last_call": st.column_config.DatetimeColumn("last call", format="YYYY-MM-DD HH:mm"),
        },
    )
