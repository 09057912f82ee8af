"""The redundancy flow's warehouse tasks on a real DuckDB file in tmp: assessed projects land in
raw_redundancy_scores with their API evidence, and a new run replaces only its language's rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl

from scoring.redundancy import RedundancyConfig, assess
from tasks.local.api_surface import ApiSurface, paired_checkouts
from tasks.store.redundancy import land_scores
from warehouse.io import store

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def _assessed(prefix: str) -> pl.DataFrame:
    names = [f"{prefix}-a", f"{prefix}-b", f"{prefix}-c"]
    projects = pl.DataFrame(
        {
            "entity_id": names,
            "name": names,
            "kind": ["repo", "repo", "package"],
            "last_activity_at": [NOW - timedelta(days=d) for d in (5, 900, 30)],
            "stars": [100, 3, None],
            "dependents": [10, 0, 2],
        }
    )
    pairs = pl.DataFrame({"left": [0], "right": [1], "similarity": [0.93]})
    return assess(projects, pairs, RedundancyConfig(), NOW)


def test_scores_land_with_their_evidence_and_replace_only_their_language(tmp_path: Path):
    db = tmp_path / "w.duckdb"
    surface = ApiSurface(names=frozenset({"get"}), files_parsed=4, files_skipped=1, skipped=[])
    assert land_scores.fn(db, "python", "tfidf-fallback", _assessed("py"), {1: surface}) == 3
    assert land_scores.fn(db, "go", "minilm", _assessed("go"), {}) == 3
    assert land_scores.fn(db, "python", "minilm", _assessed("py"), {}) == 3  # a new run
    with store.connect(db) as con:
        rows = con.execute(
            "SELECT language, name, method, cluster_id IS NOT NULL, cluster_size, "
            "api_files_parsed, recommendation FROM raw_redundancy_scores ORDER BY name"
        ).fetchall()
    assert [r[:3] for r in rows] == [
        ("go", "go-a", "minilm"), ("go", "go-b", "minilm"), ("go", "go-c", "minilm"),
        ("python", "py-a", "minilm"), ("python", "py-b", "minilm"), ("python", "py-c", "minilm"),
    ]  # fmt: skip
    assert [r[3:6] for r in rows[3:]] == [(True, 2, None), (True, 2, None), (False, 1, None)]
    assert rows[3][6] == "keep" and rows[5][6] is None


def test_the_api_surface_is_read_only_for_paired_checkouts_on_disk(tmp_path: Path):
    (tmp_path / "a").mkdir()
    (tmp_path / "c").mkdir()
    paths = [str(tmp_path / "a"), None, str(tmp_path / "gone"), str(tmp_path / "c")]
    pairs = pl.DataFrame({"left": [0, 1], "right": [2, 0], "similarity": [0.9, 0.8]})
    assert paired_checkouts.fn(paths, pairs) == {0: tmp_path / "a"}
