"""Campaigns: the runs that change code, how their changes moved between states, and per
repository and change the diff of each file, the tests before and after, the gate's decision
with its reasons, and the audit trail. Only the selected run's rows are read."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import altair as alt
import polars as pl
import streamlit as st

from app_pages import app_cache
from warehouse.readers import run_queries as runs_q

RUNS_SHOWN = 200
# One colour per change state, so a glance at the burndown tells good news from bad.
STATE_COLOURS = {
    "MERGED": "#2e7d32",
    "OPEN": "#1565c0",
    "WAITING": "#f9a825",
    "UNPUBLISHED": "#90a4ae",
    "BLOCKED": "#c62828",
    "FAILED": "#6d4c41",
    "CLOSED": "#616161",
    "REVERTED": "#8e24aa",
}
START = (
    "No campaign has run on this warehouse yet. Start one, for example\n\n"
    "```bash\ngloballm campaign run --recipe upgrade-python --target-version 3.12 --path ~/src\n"
    "```\n\n(`globallm campaign recipes` lists the recipes; `globallm fix` works on one issue.)"
)


def run_label(run: dict[str, Any]) -> str:
    return (
        f"{run['created_at']:%Y-%m-%d %H:%M} · {run['kind']} · {run['recipe'] or '-'} · "
        f"{run['status']} · {run['run_id'][:8]}"
    )


def repo_name(repo: str) -> str:
    return repo.rstrip("/").rsplit("/", 1)[-1]


def run_figures(run: dict[str, Any]) -> None:
    figures = {"Plan items": "plan_items", "Changes": "changes", "Merged": "merged"}
    figures |= {"Open": "open", "Waiting": "waiting", "Blocked": "blocked", "Failed": "failed"}
    for column, (label, key) in zip(st.columns(len(figures)), figures.items(), strict=True):
        column.metric(label, run[key])


def held_back(run_id: str) -> None:
    """The run's blocked and failed changes counted by reason ("9 x no test passes")."""
    reasons = app_cache.read(runs_q.outcome_reasons, run_id)
    if reasons.is_empty():
        return
    st.markdown("**Held back, by reason**")
    st.dataframe(reasons, hide_index=True)


def burndown_chart(run_id: str) -> None:
    st.subheader("Burndown")
    data = app_cache.read(runs_q.burndown, run_id)
    if data.is_empty():
        st.caption("No change of this run has reached a state yet.")
        return
    states = [s for s in STATE_COLOURS if s in set(data["state"])]
    states += sorted(set(data["state"]) - set(states))
    span = data["occurred_at"].max() - data["occurred_at"].min()
    time_format = "%H:%M:%S" if span < timedelta(days=1) else "%b %d %H:%M"
    chart = (
        alt.Chart(data)
        .mark_area(interpolate="step-after")
        .encode(
            x=alt.X("occurred_at:T", title=None, axis=alt.Axis(format=time_format)),
            y=alt.Y("changes:Q", title="changes", stack=True, axis=alt.Axis(tickMinStep=1)),
            color=alt.Color(
                "state:N",
                scale=alt.Scale(
                    domain=states, range=[STATE_COLOURS.get(s, "#bdbdbd") for s in states]
                ),
            ),
            order=alt.Order("state:N"),
            tooltip=["occurred_at:T", "state:N", "changes:Q"],
        )
    )
    st.altair_chart(chart, width="stretch")


def gate_decision(change: dict[str, Any]) -> None:
    reasons = "\n".join(f"- {reason}" for reason in change["gate_reasons"] or [])
    if change["gate_merge"] is True:
        st.success(f"**Gate: merge**\n\n{reasons}")
    elif change["gate_merge"] is False:
        st.error(f"**Gate: no merge**\n\n{reasons}")
    else:
        st.warning(f"**Not gated** (the change stopped before verification)\n\n{reasons}")


def _number(value: Any, unit: str = "") -> str:
    if value is None:
        return "-"
    return f"{value:.1f}{unit}" if isinstance(value, float) else f"{value}{unit}"


def verification_table(change_id: str) -> None:
    checked = app_cache.read(runs_q.verification, change_id)
    if checked is None:
        st.caption("Not verified: no test run is recorded for this change.")
        return
    rows = [
        (label, _number(checked[f"{key}_before"], unit), _number(checked[f"{key}_after"], unit))
        for label, key, unit in (
            ("tests", "tests", ""),
            ("passed", "passed", ""),
            ("failed", "failed", ""),
            ("errors", "errors", ""),
            ("coverage", "coverage", " %"),
        )
    ]
    st.table(
        pl.DataFrame(rows, schema=["measure", "before", "after"], orient="row"),
        hide_index=True,
        width="content",
    )
    st.caption(
        f"Δ coverage {_number(checked['coverage_delta'], ' %')} · "
        f"new failures: {', '.join(checked['new_failures'] or []) or 'none'} · "
        f"flaky: {', '.join(checked['flaky'] or []) or 'none'} · "
        f"isolation {checked['isolation'] or '-'} · {_number(checked['duration_s'], ' s')}"
        + (" · **timed out**" if checked["timed_out"] else "")
    )


def file_diffs(change_id: str, items: pl.DataFrame) -> None:
    planned = {row["file_path"]: row for row in items.iter_rows(named=True)}
    files = app_cache.read(runs_q.change_files, change_id)
    if files.is_empty():
        st.caption("No diff is recorded for this change.")
    for file in files.iter_rows(named=True):
        item = planned.get(file["file_path"])
        why = (
            f" · {item['reason']} · confidence {item['confidence']} · {item['risk']}"
            if item
            else ""
        )
        st.markdown(f"**`{file['file_path']}`**{why}")
        st.code(file["diff"], language="diff")


def change_detail(change: dict[str, Any], items: pl.DataFrame) -> None:
    gate_decision(change)
    st.markdown("**Verification**")
    verification_table(change["change_id"])
    st.markdown("**Files**")
    file_diffs(change["change_id"], items.filter(pl.col("change_id") == change["change_id"]))
    st.markdown("**Timeline**")
    st.dataframe(app_cache.read(runs_q.change_events, change["change_id"]), hide_index=True)


def repository_section(run_id: str) -> None:
    st.subheader("Repositories")
    repos = app_cache.read(runs_q.repositories, run_id)
    if repos.is_empty():
        st.caption("This run planned nothing.")
        return
    summary = {row["repo"]: row for row in repos.iter_rows(named=True)}
    repo = st.selectbox(
        "Repository",
        list(summary),
        format_func=lambda r: (
            f"{repo_name(r)} · {summary[r]['files']} files · {summary[r]['states']}"
        ),
        key="campaign_repo",
    )
    st.caption(f"`{repo}`")
    items = app_cache.read(runs_q.plan_items, run_id, repo)
    changes = app_cache.read(runs_q.changes, run_id, repo)
    for change in changes.iter_rows(named=True):
        title = (
            f"{change['state']} · {change['branch']} · +{change['lines_added'] or 0} "
            f"-{change['lines_removed'] or 0} in {change['files_changed'] or 0} files"
        )
        with st.expander(title, expanded=changes.height <= 3):
            if change["pr_url"]:
                st.markdown(f"Pull request: {change['pr_url']}")
            change_detail(change, items)
    waiting = items.filter(pl.col("change_id").is_null())
    if not waiting.is_empty():
        st.markdown("**Files without a change**")
        st.dataframe(
            waiting.select("file_path", "status", "action", "reason", "confidence", "risk"),
            hide_index=True,
        )


st.title("Campaigns")
if not app_cache.has_tables("ledger_runs", "ledger_changes", "ledger_events"):
    st.info(START)
else:
    all_runs = app_cache.read(runs_q.runs, RUNS_SHOWN, runs_q.CAMPAIGN_KINDS)
    if all_runs.is_empty():
        st.info(START)
    else:
        st.dataframe(all_runs, hide_index=True)
        by_id = {run["run_id"]: run for run in all_runs.iter_rows(named=True)}
        run_id = st.selectbox(
            "Run", list(by_id), format_func=lambda r: run_label(by_id[r]), key="campaign_run"
        )
        run_figures(by_id[run_id])
        held_back(run_id)
        burndown_chart(run_id)
        repository_section(run_id)
