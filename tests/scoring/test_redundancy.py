"""scoring/redundancy.py: pairs, clusters, recommendations and the score, on small matrices."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest
from scipy import sparse

from scoring.redundancy import (
    ARCHIVE,
    CONSOLIDATE,
    KEEP,
    RedundancyConfig,
    assess,
    candidate_pairs,
    cluster_labels,
    drop_same_project,
    jaccard,
    project_text,
    with_api_overlap,
)

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def projects(rows: list[tuple[str, int | None, int | None, int | None]]) -> pl.DataFrame:
    """(entity_id, days since last activity, stars, dependents) per project."""
    return pl.DataFrame(
        {
            "entity_id": [r[0] for r in rows],
            "name": [r[0] for r in rows],
            "last_activity_at": [
                None if r[1] is None else NOW - timedelta(days=r[1]) for r in rows
            ],
            "stars": [r[2] for r in rows],
            "dependents": [r[3] for r in rows],
        },
        schema_overrides={"last_activity_at": pl.Datetime("us", "UTC")},
    )


def test_candidate_pairs_keep_only_similar_rows_once_across_blocks():
    matrix = np.array([[1.0, 0.0], [0.99, 0.1], [0.0, 1.0], [0.98, 0.05]])
    for block in (1, 2, 4, 100):
        pairs = candidate_pairs(matrix, 0.9, block_size=block).sort("left", "right")
        assert pairs.select("left", "right").rows() == [(0, 1), (0, 3), (1, 3)]
        assert pairs["similarity"].min() >= 0.9


def test_candidate_pairs_accept_sparse_rows_and_ignore_empty_ones():
    matrix = sparse.csr_matrix(np.array([[2.0, 0.0], [4.0, 0.0], [0.0, 0.0], [0.0, 0.0]]))
    pairs = candidate_pairs(matrix, 0.5, block_size=3)
    assert pairs.select("left", "right").rows() == [(0, 1)]
    assert pairs["similarity"][0] == pytest.approx(1.0)


def test_clusters_are_connected_components():
    pairs = pl.DataFrame({"left": [0, 1, 3], "right": [1, 2, 4], "similarity": [0.9] * 3})
    labels = cluster_labels(pairs, 6)
    assert labels[0] == labels[1] == labels[2]
    assert labels[3] == labels[4] != labels[0]
    assert len(set(labels.tolist())) == 3  # row 5 alone


def test_same_project_seen_twice_is_not_a_duplicate():
    pairs = pl.DataFrame({"left": [0, 0], "right": [1, 2], "similarity": [0.95, 0.9]})
    kept = drop_same_project(pairs, ["https://x/acme/core", "https://x/acme/core", "other"])
    assert kept.select("left", "right").rows() == [(0, 2)]


def test_jaccard_and_api_overlap_only_where_measured():
    assert jaccard({"get", "post"}, {"get"}) == pytest.approx(0.5)
    assert jaccard(set(), set()) is None
    pairs = pl.DataFrame({"left": [0, 0], "right": [1, 2], "similarity": [0.9, 0.9]})
    out = with_api_overlap(pairs, {0: {"get", "post"}, 1: {"get", "post"}})
    assert out["api_overlap"].to_list() == [1.0, None]


def test_stale_little_used_duplicate_is_the_archive_candidate():
    frame = projects([("lib", 5, 900, 40), ("fork", 800, 3, 0), ("tool", 1, 10, None)])
    pairs = pl.DataFrame({"left": [0], "right": [1], "similarity": [0.93]})
    pairs = with_api_overlap(pairs, {0: {"get", "post", "client"}, 1: {"get", "client"}})
    out = assess(frame, pairs, RedundancyConfig(), NOW)
    by_id = {row["entity_id"]: row for row in out.to_dicts()}
    assert out["entity_id"].to_list() == ["lib", "fork", "tool"]  # input order kept
    assert by_id["lib"]["recommendation"] == KEEP
    assert by_id["fork"]["recommendation"] == ARCHIVE
    assert by_id["fork"]["keep_entity_id"] == "lib"
    assert by_id["tool"]["recommendation"] is None
    assert by_id["tool"]["redundancy"] == 0.0
    assert by_id["fork"]["redundancy"] > 0.3
    assert by_id["lib"]["redundancy"] == 0.0  # the keeper is the one to invest in
    assert by_id["fork"]["api_overlap"] == pytest.approx(2 / 3)
    assert out["redundancy"].is_between(0.0, 1.0).all()


def test_two_active_duplicates_should_consolidate():
    frame = projects([("a", 3, 50, 5), ("b", 10, 40, 4)])
    pairs = pl.DataFrame({"left": [0], "right": [1], "similarity": [0.9]})
    out = assess(frame, pairs, RedundancyConfig(), NOW)
    assert out["recommendation"].to_list() == [KEEP, CONSOLIDATE]
    assert out["cluster_size"].to_list() == [2, 2]


def test_unknown_activity_is_not_called_stale():
    frame = projects([("a", 3, 50, 5), ("pkg", None, None, None)])
    pairs = pl.DataFrame({"left": [0], "right": [1], "similarity": [0.9]})
    out = assess(frame, pairs, RedundancyConfig(), NOW)
    assert out["recommendation"].to_list() == [KEEP, CONSOLIDATE]


def test_score_stays_in_unit_interval_for_extreme_inputs():
    frame = projects([("a", 10_000, 0, 0), ("b", 0, 10**9, 10**9), ("c", None, None, None)])
    pairs = pl.DataFrame({"left": [0, 1], "right": [1, 2], "similarity": [1.0, 1.0]})
    out = assess(frame, pairs, RedundancyConfig(), NOW)
    assert out["redundancy"].is_between(0.0, 1.0).all()
    assert out.filter(pl.col("entity_id") == "a")["redundancy"][0] == pytest.approx(1.0)


def test_empty_input_and_one_project():
    empty = assess(projects([]), candidate_pairs(np.zeros((0, 3)), 0.8), RedundancyConfig(), NOW)
    assert empty.height == 0
    one = projects([("only", 5, 1, 1)])
    out = assess(one, candidate_pairs(np.ones((1, 3)), 0.8), RedundancyConfig(), NOW)
    assert out["redundancy"].to_list() == [0.0]
    assert out["recommendation"].to_list() == [None]


def test_project_text_takes_the_readme_head_only():
    text = project_text("acme-http", "HTTP client", "x" * 50, readme_chars=10)
    assert text == "acme http\nHTTP client\n" + "x" * 10
    assert project_text("solo", None, None, 100) == "solo"


def test_config_picks_the_threshold_of_the_method():
    config = RedundancyConfig(similarity_threshold=0.7, fallback_similarity_threshold=0.4)
    assert config.threshold_for("minilm") == 0.7
    assert config.threshold_for("tfidf-fallback") == 0.4


def test_one_project_seen_twice_is_not_rejoined_through_a_third():
    """local:a and github:a are one project; both resemble github:b. Clustering must not put
    local:a under github:a as a duplicate of itself: the project is kept, every row of it."""
    frame = projects(
        [("local:a", 2, None, None), ("github:a", 2, 500, 30), ("github:b", 900, 5, 0)]
    ).with_columns(pl.Series("project_key", ["https://x/a", "https://x/a", "https://x/b"]))
    pairs = pl.DataFrame({"left": [0, 0, 1], "right": [1, 2, 2], "similarity": [0.99, 0.92, 0.91]})
    out = assess(
        frame, drop_same_project(pairs, frame["project_key"].to_list()), RedundancyConfig(), NOW
    )
    by_id = {row["entity_id"]: row for row in out.to_dicts()}
    assert by_id["local:a"]["recommendation"] == KEEP
    assert by_id["github:a"]["recommendation"] == KEEP
    assert by_id["local:a"]["redundancy"] == 0.0
    assert by_id["github:a"]["redundancy"] == 0.0
    assert by_id["github:b"]["recommendation"] == ARCHIVE
    assert by_id["github:b"]["keep_entity_id"] == "github:a"
    assert by_id["github:b"]["redundancy"] > 0.3
    assert by_id["github:b"]["similarity"] == pytest.approx(0.92)  # best over the project's rows
    assert out["cluster_size"].to_list() == [2, 2, 2]  # two projects, not three rows
    assert out["entity_id"].to_list() == ["local:a", "github:a", "github:b"]


def test_rows_of_a_duplicate_project_share_its_verdict():
    """A checkout and its GitHub row duplicating a bigger project both consolidate into it."""
    frame = projects(
        [("big", 1, 9000, 900), ("local:c", 5, None, None), ("github:c", 5, 40, 2)]
    ).with_columns(pl.Series("project_key", ["big", "c", "c"]))
    pairs = pl.DataFrame({"left": [0], "right": [1], "similarity": [0.9]})
    out = assess(frame, pairs, RedundancyConfig(), NOW)
    assert out["recommendation"].to_list() == [KEEP, CONSOLIDATE, CONSOLIDATE]
    assert out["keep_entity_id"].to_list() == ["big", "big", "big"]
    scores = out["redundancy"].to_list()
    assert scores[0] == 0.0 and scores[1] == scores[2] > 0.0
