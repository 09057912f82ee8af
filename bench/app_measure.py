"""Render bench/app.py's pages with Streamlit's AppTest and time every query they run.

Each query is timed by wrapping `app_pages.app_cache._run` in this process only; the query cache
is cleared before each render so that the queries really run.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from warehouse.io import snapshot

ROOT = Path(__file__).resolve().parent.parent

# --- measuring the pages -----------------------------------------------------------------------


class QueryTimer:
    """Times every `app_cache._run` call, i.e. each query a page reads, in this process only."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, float]] = []

    @contextmanager
    def installed(self) -> Iterator[QueryTimer]:
        """The wrapper in place for the `with` block; the cached function is put back after."""
        from app_pages import app_cache

        cached = app_cache._run
        calls = self.calls

        def timed(snapshot_file: str, module: str, name: str, args: tuple, kwargs: tuple) -> Any:
            started = time.perf_counter()
            try:
                return cached(snapshot_file, module, name, args, kwargs)
            finally:
                calls.append((name, time.perf_counter() - started))

        timed.clear = cached.clear  # type: ignore[attr-defined]  # app_cache.clear() calls it
        app_cache._run = timed
        try:
            yield self
        finally:
            app_cache._run = cached

    def take(self) -> list[tuple[str, float]]:
        taken = list(self.calls)
        self.calls.clear()
        return taken


Step = Callable[[Any], object]
QUIET_LOGGERS = (
    "streamlit.runtime.scriptrunner_utils.script_run_context",
    "streamlit.runtime.caching.cache_data_api",
    "streamlit.elements.lib.policies",
)


def widget(at: Any, kind: str, label: str | None = None, key: str | None = None) -> Any:
    """The page's widget of that kind, by key or label; LookupError names what is missing."""
    for element in getattr(at, kind):
        if (key and element.key == key) or (label and element.label == label):
            return element
    raise LookupError(f"no {kind} {key or label!r} on the page")


def set_widget(kind: str, value: Any, label: str | None = None, key: str | None = None) -> Step:
    return lambda at: widget(at, kind, label, key).set_value(value)


def set_state(key: str, value: Any) -> Step:
    """Set a keyed widget's value the way a click would (AppTest cannot click a table row)."""

    def step(at: Any) -> None:
        at.session_state[key] = value

    return step


def kind_filter(kind: str) -> Step:
    return set_widget("multiselect", [kind], "Kind")


def run_sql(sql: str) -> Step:
    def step(at: Any) -> None:
        widget(at, "text_area", key="sql_text").set_value(sql)
        widget(at, "button", key="sql_run").click()

    return step


SQL_EXAMPLES = {
    "sql: open issues per repository": (
        "SELECT repo_full_name, count(*) AS open_issues FROM fct_issues WHERE state = 'open' "
        "GROUP BY ALL ORDER BY open_issues DESC LIMIT 20"
    ),
    "sql: every issue (capped)": "SELECT * FROM fct_issues",
    "sql: a write is refused": "DELETE FROM fct_issues",
}


def facts(db: Path) -> dict[str, Any]:
    """What the interactions pick, read from the snapshot: the repository with the largest
    neighbourhood, the running campaign and its busiest repository, an older campaign."""
    with snapshot.connect_reader(db) as con:
        hub = con.execute(
            "SELECT entity_id, name FROM fct_repo_scores WHERE kind = 'repo' "
            "ORDER BY dependents DESC NULLS LAST, entity_id LIMIT 1"
        ).fetchone()
        campaigns = con.execute(
            "SELECT run_id FROM ledger_runs WHERE kind = 'campaign' ORDER BY created_at DESC"
        ).fetchall()
        newest = campaigns[0][0] if campaigns else None
        repo = con.execute(
            "SELECT repo FROM ledger_plan_items WHERE run_id = ? GROUP BY repo "
            "ORDER BY count(*) DESC, repo LIMIT 1",
            [newest],
        ).fetchone()
    return {
        "hub_repo": hub,
        "newest_campaign": newest,
        "older_campaign": campaigns[-1][0] if campaigns else None,
        "campaign_repo": repo[0] if repo else None,
    }


def interactions(known: dict[str, Any]) -> dict[str, list[tuple[str, list[Step]]]]:
    """Per page, what a user does: (name, steps); the page reruns after each step, and the
    renders after the last one are timed."""
    hub_id, hub_name = known["hub_repo"] or (None, "")
    top_row = {"selection": {"rows": [0], "columns": [], "cells": []}}
    return {
        "overview": [],
        "priorities": [
            ("filter: language Python", [set_widget("multiselect", ["Python"], "Language")]),
            (
                "filter: repos with priority >= 0.4",
                [
                    kind_filter("repo"),
                    set_widget("slider", 0.4, "Minimum priority"),
                ],
            ),
            *(
                (f"open the top {kind}", [kind_filter(kind), set_state("priority_table", top_row)])
                for kind in ("repo", "package")
            ),
        ],
        "repositories": [
            ("filter names: 'core'", [set_widget("text_input", "core", key="repo_filter")]),
            (
                f"neighbourhood of {hub_name} (most dependents)",
                [
                    set_widget("text_input", hub_name, key="repo_filter"),
                    set_state("neighbourhood_repo", hub_id),
                ],
            ),
        ],
        "campaigns": [
            ("choose the oldest campaign", [set_state("campaign_run", known["older_campaign"])]),
            (
                "running campaign, busiest repository",
                [
                    set_state("campaign_run", known["newest_campaign"]),
                    set_state("campaign_repo", known["campaign_repo"]),
                ],
            ),
        ],
        "sql": [(name, [run_sql(sql)]) for name, sql in SQL_EXAMPLES.items()],
    }


def render(at: Any, timer: QueryTimer) -> dict[str, Any]:
    """One run of the app with an empty query cache: the render and each query, timed."""
    from app_pages import app_cache

    app_cache.clear()
    timer.take()
    started = time.perf_counter()
    at.run()
    render_s = time.perf_counter() - started
    queries = timer.take()
    return {
        "render_s": render_s,
        "query_s": sum(seconds for _, seconds in queries),
        "queries": queries,
        "errors": [str(e.value)[:300] for e in at.exception],
    }


def open_page(page: str) -> Any:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.run()
    at.switch_page(f"app_pages/{page}.py")
    return at


def measure(db: Path, renders: int, interaction_renders: int) -> dict[str, list[dict]]:
    """Samples per page: one cold render, `renders` renders, then each interaction on a freshly
    opened page, its last state rendered `interaction_renders` times."""
    for noisy in QUIET_LOGGERS:  # AppTest outside a script run; widget state set by a "click"
        logging.getLogger(noisy).disabled = True
    known, samples = facts(db), {}
    previous_db = os.environ.get("GLOBALLM_DB")
    os.environ["GLOBALLM_DB"] = str(db)
    try:
        with QueryTimer().installed() as timer:
            for page, actions in interactions(known).items():
                samples[page] = measure_page(page, actions, timer, renders, interaction_renders)
    finally:
        if previous_db is None:
            os.environ.pop("GLOBALLM_DB", None)
        else:
            os.environ["GLOBALLM_DB"] = previous_db
    return samples


def measure_page(
    page: str, actions: list[tuple[str, list[Step]]], timer: QueryTimer, renders: int, repeat: int
) -> list[dict]:
    at, found = open_page(page), []
    for i in range(renders + 1):
        found.append({"action": "render", "cold": i == 0, **render(at, timer)})
    for action, steps in actions:
        at = open_page(page)
        try:
            for step in steps:
                at.run()
                step(at)
        except LookupError as missing:
            found.append({"action": action, "skipped": str(missing)})
            continue
        for _ in range(repeat):
            found.append({"action": action, "cold": False, **render(at, timer)})
    warm = [s["query_s"] for s in found if "render_s" in s and not s["cold"]]
    p95 = 1000 * percentile(warm, 95)
    print(f"  {page:<14} {len(warm)} renders, summed queries p95 {p95:.0f} ms", flush=True)
    return found


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")
