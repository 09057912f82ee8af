"""The ledger's suite timings, which a campaign reads to start its longest repositories first."""

from __future__ import annotations

from pathlib import Path

from warehouse.io import ledger, store
from warehouse.readers import run_queries


def _verified(con, change_id: str, repo: str, seconds: float) -> None:
    ledger.upsert_change(
        con, {"change_id": change_id, "run_id": "r", "repo": repo, "state": "UNPUBLISHED"}
    )
    store.land(con, "ledger_verifications", [{"change_id": change_id, "duration_s": seconds}])


def test_suite_seconds_is_half_the_median_of_baseline_plus_after(tmp_path: Path):
    db = tmp_path / "w.duckdb"
    with store.connect(db) as con:
        for index, seconds in enumerate([10.0, 12.0, 30.0]):
            _verified(con, f"a{index}", "acme/slow", seconds)
        _verified(con, "b0", "acme/quick", 1.0)
        _verified(con, "c0", "acme/other", 8.0)
        _verified(con, "d0", "acme/never-ran", 0.0)  # a suite that did not run says nothing
    found = run_queries.suite_seconds(db, ["acme/slow", "acme/quick", "acme/never-ran", "x/y"])
    assert found == {"acme/slow": 6.0, "acme/quick": 0.5}
    assert run_queries.suite_seconds(tmp_path / "none.duckdb", ["acme/slow"]) == {}
