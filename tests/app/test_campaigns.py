"""The Campaigns page on the session warehouse: the upgrade-python campaign merged two changes
(alpha, beta) and the gate blocked one (gamma, whose test pins the old spelling)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

from tests.app_warehouse import open_app
from warehouse.io import snapshot, store
from warehouse.readers import run_queries

PAGE = "app_pages/campaigns.py"


def _remote(app_warehouse, name: str) -> str:
    return str(app_warehouse.campaign_root / "remotes" / name)


def _burndown_shown(at) -> pd.DataFrame:
    (chart,) = at.get("vega_lite_chart")
    (dataset,) = chart.proto.datasets
    return convert_arrow_bytes_to_pandas_df(dataset.data.data)


def _table(at, columns: set[str]) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if columns <= set(d.value.columns))


def test_the_runs_table_lists_the_campaign_with_its_changes_by_state(app_warehouse, monkeypatch):
    at = open_app(app_warehouse.db, monkeypatch, page=PAGE)
    runs = _table(at, {"run_id", "kind", "merged"})
    assert set(runs["kind"]) <= set(run_queries.CAMPAIGN_KINDS)  # no pipeline run
    (campaign,) = runs[runs["run_id"] == app_warehouse.campaign_run_id].to_dict("records")
    assert campaign["recipe"] == "upgrade-python"
    assert campaign["status"] == "COMPLETED"
    assert (campaign["changes"], campaign["merged"], campaign["blocked"]) == (3, 2, 1)
    assert at.selectbox(key="campaign_run").value == app_warehouse.campaign_run_id
    figures = {m.label: m.value for m in at.metric}
    assert figures["Changes"] == "3"
    assert figures["Merged"] == "2"
    assert figures["Blocked"] == "1"
    assert figures["Open"] == "0"
    held = _table(at, {"state", "reason", "changes"})
    assert held.to_dict("records") == [
        {"state": "BLOCKED", "reason": "tests fail after the change", "changes": 1}
    ]


def test_the_burndown_starts_at_zero_and_ends_with_two_merged_and_one_blocked(
    app_warehouse, monkeypatch
):
    at = open_app(app_warehouse.db, monkeypatch, page=PAGE)
    shown = _burndown_shown(at)
    first, last = shown["occurred_at"].min(), shown["occurred_at"].max()
    assert shown[shown["occurred_at"] == first]["changes"].sum() == 0
    at_end = dict(shown[shown["occurred_at"] == last][["state", "changes"]].values.tolist())
    assert at_end == {"MERGED": 2, "BLOCKED": 1}
    # one change event per change: the merged count climbs 0 -> 1 -> 2
    assert sorted(set(shown[shown["state"] == "MERGED"]["changes"])) == [0, 1, 2]


def test_a_merged_change_shows_its_diff_verification_gate_and_timeline(app_warehouse, monkeypatch):
    at = open_app(app_warehouse.db, monkeypatch, page=PAGE)
    at.selectbox(key="campaign_repo").select(_remote(app_warehouse, "alpha")).run()
    assert not at.exception
    (gate,) = at.success
    assert "Gate: merge" in gate.value and "confidence 0.95 >= 0.80" in gate.value
    diffs = {block.value.splitlines()[0]: block.value for block in at.code}
    core = diffs["diff --git a/app/core.py b/app/core.py"]
    assert all(block.language == "diff" for block in at.code)
    assert "-    def load(self, url: str) -> Optional[str]:" in core
    assert "+    def load(self, url: str) -> str | None:" in core
    assert "+        self.items: list[str] = []" in core
    assert (
        "+def fetch_all(urls) -> dict[str, str]:"
        in diffs["diff --git a/app/client.py b/app/client.py"]
    )
    (verification,) = at.table
    rows = {
        row["measure"]: (row["before"], row["after"])
        for row in verification.value.to_dict("records")
    }
    assert rows["tests"] == ("3", "3")
    assert rows["passed"] == ("3", "3")
    assert rows["coverage"] == ("100.0 %", "100.0 %")
    timeline = _table(at, {"subject_kind", "state", "detail"})
    assert timeline["state"].tolist() == ["PENDING", "PENDING", "MERGED"]
    assert set(timeline[timeline["subject_kind"] == "plan_item"]["file_path"]) == {
        "app/client.py",
        "app/core.py",
    }


def test_the_blocked_change_in_gamma_names_the_failing_test(app_warehouse, monkeypatch):
    at = open_app(app_warehouse.db, monkeypatch, page=PAGE)
    assert any(
        o.startswith("gamma · 2 files · BLOCKED") for o in at.selectbox(key="campaign_repo").options
    )
    at.selectbox(key="campaign_repo").select(_remote(app_warehouse, "gamma")).run()
    assert not at.exception
    (gate,) = at.error
    assert "Gate: no merge" in gate.value
    assert "tests/test_style.py::test_old_spelling" in gate.value
    assert not at.success
    (verification,) = at.table
    rows = {
        row["measure"]: (row["before"], row["after"])
        for row in verification.value.to_dict("records")
    }
    assert rows["tests"] == ("4", "4")
    assert rows["failed"] == ("0", "1")
    captions = " ".join(c.value for c in at.caption)
    assert "new failures: tests/test_style.py::test_old_spelling" in captions
    assert any("+    def load(self, url: str) -> str | None:" in c.value for c in at.code)
    timeline = _table(at, {"subject_kind", "state", "detail"})
    assert timeline["state"].tolist()[-1] == "BLOCKED"


def test_a_warehouse_without_campaigns_says_how_to_start_one(tmp_path: Path, monkeypatch):
    db = tmp_path / "w.duckdb"
    with store.connect(db):  # the ledger's tables, no run
        pass
    at = open_app(db, monkeypatch, page=PAGE)
    assert "globallm campaign run --recipe" in " ".join(i.value for i in at.info)
    assert not at.get("vega_lite_chart")


def test_the_burndown_follows_each_change_to_its_latest_state(tmp_path: Path):
    start = datetime(2026, 1, 1, tzinfo=UTC)

    def event(n: int, change: str, state: str, minute: int) -> dict:
        return {
            "event_id": f"e{n}",
            "run_id": "r1",
            "subject_kind": "change",
            "subject_id": change,
            "state": state,
            "occurred_at": start + timedelta(minutes=minute),
            "detail": None,
        }

    db = tmp_path / "w.duckdb"
    with store.connect(db) as con:
        store.upsert_run(con, "r1", kind="campaign", status="COMPLETED")
        con.execute(
            "UPDATE ledger_runs SET created_at = ?, updated_at = ?",
            [start, start + timedelta(minutes=10)],
        )
        events = [
            event(1, "a", "WAITING", 1),
            event(2, "b", "BLOCKED", 2),
            event(3, "a", "OPEN", 3),
            event(4, "c", "OPEN", 4),
            event(5, "a", "MERGED", 5),
            event(6, "c", "FAILED", 6),
        ]
        store.land(con, "ledger_events", events)
    with snapshot.connect_reader(db) as con:
        frame = run_queries.burndown(con, "r1")
    nonzero: dict[int, dict[str, int]] = {}
    for row in frame.iter_rows(named=True):
        states = nonzero.setdefault(int((row["occurred_at"] - start).total_seconds() // 60), {})
        if row["changes"]:
            states[row["state"]] = row["changes"]
    assert nonzero == {
        0: {},
        1: {"WAITING": 1},
        2: {"WAITING": 1, "BLOCKED": 1},
        3: {"OPEN": 1, "BLOCKED": 1},
        4: {"OPEN": 2, "BLOCKED": 1},
        5: {"OPEN": 1, "MERGED": 1, "BLOCKED": 1},
        6: {"MERGED": 1, "BLOCKED": 1, "FAILED": 1},
        10: {"MERGED": 1, "BLOCKED": 1, "FAILED": 1},  # the run's end
    }
