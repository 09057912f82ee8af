"""The Overview page: the warehouse and ledger figures, the run trend, the last runs, this week's
budgets and the LLM spend."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
from streamlit import dataframe_util
from streamlit.testing.v1 import AppTest

from scoring.budget import week_start
from settings import Settings
from tests.app_warehouse import open_app
from tests.ledger_rows import fix_run, llm_call
from warehouse.io import snapshot, store
from warehouse.readers import queries

PAGE = "app_pages/overview.py"


def metrics(at: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in at.metric}


def chart_data(at: AppTest) -> pd.DataFrame:
    (chart,) = at.get("vega_lite_chart")  # st.vega_lite_chart(frame, spec): the rows it plots
    return dataframe_util.convert_arrow_bytes_to_pandas_df(chart.proto.data.data)


def test_the_metrics_are_the_warehouse_counts(app_warehouse, monkeypatch):
    at = open_app(app_warehouse.db, monkeypatch, page=PAGE)
    with snapshot.connect_reader(app_warehouse.db) as con:
        figures = queries.overview_figures(con)
        repos, packages = con.execute(
            "SELECT (SELECT count(*) FROM dim_repos), (SELECT count(*) FROM dim_packages)"
        ).fetchone()
    shown = metrics(at)
    assert shown["Repositories"] == f"{repos:,}" == f"{figures['repositories']:,}"
    assert shown["Packages"] == f"{packages:,}"
    assert shown["Open issues"] == "3"
    assert shown["Plan items"] == f"{figures['plan_items']:,}"
    assert shown["PRs opened"] == "2"  # the blocked change opened no pull request
    assert shown["PRs merged"] == "2"
    assert shown["PRs blocked"] == "1"
    assert shown["LLM tokens (7 days)"] == "1,500"
    (tokens,) = [metric for metric in at.metric if metric.label == "LLM tokens (7 days)"]
    budget = Settings().budgets.tokens_per_week
    assert tokens.proto.delta == f"{1500 / budget:.1%} of {budget:,} a week"
    # this week's two calls (one cached, free); the dearer call 20 days ago is out
    assert shown["LLM cost (7 days)"] == "0.0042"


def test_the_trend_counts_top_level_runs_per_day_by_kind(app_warehouse, monkeypatch):
    at = open_app(app_warehouse.db, monkeypatch, page=PAGE)
    trend = chart_data(at)
    # One triage, one pipeline and one campaign; their subflows (crawl, build,
    # campaign-repository...) are not top-level runs and stay out.
    assert sorted(zip(trend["kind"], trend["runs"], strict=True)) == [
        ("campaign", 1),
        ("pipeline", 1),
        ("triage", 1),
    ]
    assert trend["day"].nunique() == 1


def test_the_last_runs_are_listed_newest_first_with_their_state(app_warehouse, monkeypatch):
    at = open_app(app_warehouse.db, monkeypatch, page=PAGE)
    table = at.dataframe[0].value  # then the LLM spend's two tables
    runs = [app_warehouse.campaign_run_id, app_warehouse.pipeline_run_id]
    assert list(table["run_id"])[:2] == runs
    assert list(table["kind"]) == ["campaign", "pipeline", "triage"]  # the fixture's first run
    assert list(table["status"]) == ["COMPLETED"] * 3
    assert table["recipe"].iloc[0] == "upgrade-python"
    assert (table["duration_s"] > 0).all()


def test_the_llm_spend_per_repository_and_per_run(app_warehouse, monkeypatch):
    at = open_app(app_warehouse.db, monkeypatch, page=PAGE)
    assert [header.value for header in at.subheader][-1] == "LLM spend"
    per_repo, per_run = (frame.value for frame in at.dataframe[-2:])  # after runs and budgets
    # every call in the ledger, highest cost first
    assert per_repo.to_dict("records") == [
        {"repo": "acme/alpha", "calls": 1, "tokens": 2500, "cost": 0.0375},
        {"repo": "acme/core", "calls": 2, "tokens": 1500, "cost": 0.0042},
    ]
    # newest call first; these runs are not in ledger_runs, so they have no kind
    assert list(per_run["run_id"]) == ["llm-run", "old-llm-run"]
    assert per_run["kind"].isna().all()
    assert per_run[["calls", "cache_hits", "tokens_in", "tokens_out"]].values.tolist() == [
        [2, 1, 1200, 300],
        [1, 0, 2000, 500],
    ]
    assert list(per_run["cost"]) == [0.0042, 0.0375]
    assert list(per_run["secrets_redacted"]) == [1, 0]


def test_a_young_warehouse_shows_zeros_its_run_and_how_to_fill_the_marts(tmp_path, monkeypatch):
    db = tmp_path / "young.duckdb"
    with store.connect(db) as con:
        store.upsert_run(con, "first-run", "crawl", "RUNNING")
    at = open_app(db, monkeypatch, page=PAGE)
    says = " ".join(block.value for block in at.info)
    assert "globallm run" in says and "globallm discover" in says
    shown = metrics(at)
    assert shown.pop("LLM cost (7 days)") == "0.0000"
    assert set(shown.values()) == {"0"}
    (runs,) = at.dataframe  # and no LLM spend tables:
    assert list(runs.value["status"]) == ["RUNNING"]
    assert "No LLM calls yet" in " ".join(caption.value for caption in at.caption)


def _young_warehouse_with_spend(db):
    """This week: 90,000 LLM tokens for acme/hot, 1,000 for acme/cool, 500 for none; 30 s of a
    fix run on acme/cool; last week a lot more for acme/cool, which does not count."""
    now = store.now()
    this_week = max(now - timedelta(minutes=5), week_start(now))
    calls = [("c1", "acme/hot", 90_000, this_week), ("c2", "acme/cool", 1_000, this_week),
             ("c3", None, 500, this_week),
             ("old", "acme/cool", 99_000, week_start(now) - timedelta(days=1))]  # fmt: skip
    issue = {"url": "https://github.com/acme/cool/issues/1", "repo": "acme/cool"}
    with store.connect(db) as con:
        store.land(con, "ledger_llm_calls", [llm_call(c, r, at, t) for c, r, t, at in calls])
        store.land(
            con, "ledger_runs", [fix_run("fix-1", this_week, 30, issue | {"language": "Python"})]
        )


def test_the_budget_this_week_and_the_repositories_closest_to_a_limit(tmp_path, monkeypatch):
    db = tmp_path / "spent.duckdb"
    _young_warehouse_with_spend(db)
    monkeypatch.setenv("GLOBALLM_BUDGETS__TOKENS_PER_WEEK", "1000000")
    at = open_app(db, monkeypatch, page=PAGE)
    assert "Budget this week" in [header.value for header in at.subheader]
    (tokens,) = [metric for metric in at.metric if metric.label == "LLM tokens this week"]
    assert (tokens.value, tokens.proto.delta) == ("91,500", "of 1,000,000")
    (progress,) = at.get("progress")
    assert progress.proto.value == 9 and "9.2% of the weekly token budget" in progress.proto.text
    closest = at.dataframe[-3].value  # then the LLM spend's two tables
    assert closest[["repository", "budget", "spent", "limit", "used_pct"]].values.tolist() == [
        ["acme/hot", "tokens", 90_000, 100_000, 90.0],
        ["acme/cool", "issues", 1, 5, 20.0],  # its most used budget
    ]


def test_without_a_weekly_limit_the_tokens_are_shown_without_a_bar(tmp_path, monkeypatch):
    db = tmp_path / "spent.duckdb"
    _young_warehouse_with_spend(db)
    monkeypatch.setenv("GLOBALLM_BUDGETS__TOKENS_PER_WEEK", "0")
    monkeypatch.setenv("GLOBALLM_BUDGETS__TOKENS_PER_REPO", "0")
    at = open_app(db, monkeypatch, page=PAGE)
    (tokens,) = [metric for metric in at.metric if metric.label == "LLM tokens this week"]
    assert (tokens.value, tokens.proto.delta) == ("91,500", "no weekly limit")
    assert not at.get("progress")
    closest = at.dataframe[-3].value
    # acme/hot's tokens have no limit now: its nearest limit is one it has not used
    assert closest[["repository", "budget", "used_pct"]].values.tolist() == [
        ["acme/cool", "issues", 20.0],
        ["acme/hot", "seconds", 0.0],  # a tie: the first in the listing
    ]


def test_a_fix_merged_without_review_is_shown_for_a_person_to_look_at(tmp_path, monkeypatch):
    db = tmp_path / "notified.duckdb"
    url = "https://github.com/acme/cool/issues/1"
    with store.connect(db) as con:
        store.upsert_run(con, "solve-1", "solve", "COMPLETED")
        store.record_event(con, "solve-1", "NOTIFY", subject_kind="issue", subject_id=url,
                           detail="merged without review (risk MEDIUM): acme/cool #1")  # fmt: skip
    at = open_app(db, monkeypatch, page=PAGE)
    assert "Merged without review: please look" in [header.value for header in at.subheader]
    notified = next(frame.value for frame in at.dataframe if "url" in frame.value.columns)
    assert list(notified["url"]) == [url] and "risk MEDIUM" in notified["detail"].iloc[0]
