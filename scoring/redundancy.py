"""Redundancy: near-duplicate projects, the evidence, and what to do with each member.

Embeddings (MiniLM or the TF-IDF fallback, rows L2-normalised) -> candidate pairs above a cosine
threshold, found block by block so memory stays O(n * block) -> clusters (connected components
of the pair graph; the rows of one project, e.g. a checkout and its GitHub row, merged into one
node first) -> per project: the closest neighbour's similarity, API overlap where it was
measured, staleness and use (dependents, stars) -> keep / consolidate / archive candidate, and a
score in 0-1 (0 with no near-duplicate and for each cluster's keeper; highest for the stale,
little-used member of a tight cluster). Pure: no IO.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import polars as pl
from pydantic import BaseModel, ConfigDict, Field
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from scoring.unit_rows import l2_normalised

KEEP, CONSOLIDATE, ARCHIVE = "keep", "consolidate", "archive candidate"

PAIR_SCHEMA = {"left": pl.Int64, "right": pl.Int64, "similarity": pl.Float64}


class RedundancyConfig(BaseModel):
    """Thresholds and weights of the redundancy term (settings.py's `redundancy` section)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    similarity_threshold: float = Field(0.8, gt=0, le=1)  # cosine, MiniLM embeddings
    fallback_similarity_threshold: float = Field(0.5, gt=0, le=1)  # cosine, TF-IDF rows
    readme_chars: int = Field(2000, ge=0)  # README head that goes into a project's text
    stale_days: float = Field(365.0, gt=0)  # no commit or push for this long: fully stale
    block_size: int = Field(256, ge=1)  # rows compared at once (memory: 4 * block * n bytes)
    weight_staleness: float = Field(1.0, ge=0)
    weight_usage_gap: float = Field(1.0, ge=0)
    weight_api_overlap: float = Field(1.0, ge=0)
    max_api_files: int = Field(2000, ge=0)  # source files parsed per repository for its API

    def threshold_for(self, method: str) -> float:
        """The cosine threshold for an embedding method (TF-IDF cosines run lower)."""
        return (
            self.similarity_threshold if method == "minilm" else self.fallback_similarity_threshold
        )


def project_text(name: str, summary: str | None, readme: str | None, readme_chars: int) -> str:
    """What a project is embedded as: its name, its summary or description, its README head."""
    parts = [name.replace("-", " ").replace("_", " "), summary or "", (readme or "")[:readme_chars]]
    return "\n".join(part for part in parts if part.strip())


def project_texts(projects: pl.DataFrame, readme_chars: int) -> list[str]:
    """`project_text` of every project row (name, summary, readme_excerpt), in row order."""
    rows = projects.select("name", "summary", "readme_excerpt").rows()
    return [project_text(name, summary, readme, readme_chars) for name, summary, readme in rows]


def candidate_pairs(
    matrix: np.ndarray | sparse.spmatrix, threshold: float, block_size: int = 256
) -> pl.DataFrame:
    """Pairs (left < right) of rows whose cosine similarity is at least `threshold`.

    Rows are normalised here; all-zero rows (no text) pair with nothing. Each block of rows is
    compared with the rows from its own first row on, so no n x n matrix is ever held and each
    pair is computed once.
    """
    n = matrix.shape[0]
    if n < 2:
        return pl.DataFrame(schema=PAIR_SCHEMA)
    rows = l2_normalised(matrix)
    lefts, rights, sims = [], [], []
    for start in range(0, n, block_size):
        stop = min(start + block_size, n)
        block = rows[start:stop] @ rows[start:].T  # later rows only: each pair computed once
        block = block.toarray() if sparse.issparse(block) else np.asarray(block)
        local, other = np.nonzero(block >= threshold)
        keep = other > local
        lefts.append(local[keep] + start)
        rights.append(other[keep] + start)
        sims.append(block[local[keep], other[keep]])
    return pl.DataFrame(
        {
            "left": np.concatenate(lefts).astype(np.int64),
            "right": np.concatenate(rights).astype(np.int64),
            "similarity": np.clip(np.concatenate(sims), 0.0, 1.0).astype(np.float64),
        },
        schema=PAIR_SCHEMA,
    )


def drop_same_project(pairs: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Pairs whose two rows are one project seen twice (a checkout and its GitHub row) go."""
    key = pl.Series(keys, dtype=pl.String)
    return pairs.filter(key.gather(pairs["left"]) != key.gather(pairs["right"]))


def cluster_labels(pairs: pl.DataFrame, n: int) -> np.ndarray:
    """Connected components of the pair graph: one label per row (singletons included)."""
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    graph = sparse.coo_matrix(
        (np.ones(pairs.height), (pairs["left"].to_numpy(), pairs["right"].to_numpy())),
        shape=(n, n),
    )
    _, labels = connected_components(graph, directed=False)
    return labels.astype(np.int64)


def jaccard(a: set[str] | frozenset[str], b: set[str] | frozenset[str]) -> float | None:
    """Overlap of two public-name sets; None when neither has a name (nothing to compare)."""
    union = len(a | b)
    return len(a & b) / union if union else None


def with_api_overlap(
    pairs: pl.DataFrame, surfaces: dict[int, frozenset[str] | set[str]]
) -> pl.DataFrame:
    """Adds `api_overlap` per pair: Jaccard of the two rows' public names, null if unmeasured."""
    overlaps = [
        jaccard(surfaces[left], surfaces[right]) if left in surfaces and right in surfaces else None
        for left, right in pairs.select("left", "right").iter_rows()
    ]
    return pairs.with_columns(pl.Series("api_overlap", overlaps, dtype=pl.Float64))


def assess(
    projects: pl.DataFrame, pairs: pl.DataFrame, config: RedundancyConfig, as_of: datetime
) -> pl.DataFrame:
    """One row per project row: cluster, evidence, recommendation and the redundancy score.

    `projects` has entity_id, name, last_activity_at, stars, dependents (nulls allowed) and,
    optionally, project_key, in the row order the pair indices refer to; `pairs` has left,
    right, similarity and, optionally, api_overlap. Rows sharing a project_key (a checkout and
    its GitHub row) are one project: merged into one node before clustering, so a third
    project cannot rejoin them, and they share its recommendation and score (a kept project
    scores 0 in every row). Projects without a near-duplicate get score 0 and no
    recommendation.
    """
    if "api_overlap" not in pairs.columns:
        pairs = pairs.with_columns(pl.lit(None, dtype=pl.Float64).alias("api_overlap"))
    rows = (
        projects.with_row_index("row")
        .with_columns(
            pl.col("row").cast(pl.Int64),
            _days_since(pl.col("last_activity_at"), as_of).alias("days_inactive"),
            _usage(pl.col("dependents"), pl.col("stars")).alias("usage"),
        )
        .with_columns(_project_node(projects).alias("node"))
    )
    nodes = _project_nodes(rows)
    node_of = rows["node"]
    linked = (
        pairs.with_columns(
            node_of.gather(pairs["left"]).alias("a"), node_of.gather(pairs["right"]).alias("b")
        )
        .filter(pl.col("a") != pl.col("b"))  # one project seen twice is not a duplicate
        .select(
            pl.min_horizontal("a", "b").alias("left"),
            pl.max_horizontal("a", "b").alias("right"),
            "similarity",
            "api_overlap",
        )
        .group_by("left", "right")
        .agg(pl.col("similarity").max(), pl.col("api_overlap").max())
    )
    labels = cluster_labels(linked, nodes.height)
    both = pl.concat(
        [
            linked.select(pl.col("left").alias("node"), "similarity", "api_overlap"),
            linked.select(pl.col("right").alias("node"), "similarity", "api_overlap"),
        ]
    )
    best = both.group_by("node").agg(pl.col("similarity").max(), pl.col("api_overlap").max())
    frame = (
        nodes.with_columns(pl.Series("cluster", labels))
        .join(best, on="node", how="left")
        .sort("node")
    )
    sizes = frame.group_by("cluster").len("cluster_size")
    frame = frame.join(sizes, on="cluster", how="left").sort("node")
    verdict = _recommend(frame, config).drop("entity_id", "usage", "days_inactive", "row_order")
    return rows.join(verdict, on="node", how="left").sort("row").drop("row", "node", "usage")


def _project_node(projects: pl.DataFrame) -> pl.Expr:
    """One node number per project: rows with the same project_key share it; a row without
    one is its own project."""
    if "project_key" not in projects.columns:
        return pl.int_range(pl.len(), dtype=pl.Int64)
    key = pl.coalesce(pl.col("project_key"), pl.format("\x00row:{}", pl.col("row")))
    return (key.rank("dense") - 1).cast(pl.Int64)


def _project_nodes(rows: pl.DataFrame) -> pl.DataFrame:
    """Per project: its most used (then most recently active) row speaks for it, with the
    project's highest use and most recent activity over all its rows."""
    return (
        rows.sort(["usage", "days_inactive"], descending=[True, False], nulls_last=True)
        .group_by("node", maintain_order=True)
        .agg(
            pl.col("entity_id").first(),
            pl.col("usage").max(),
            pl.col("days_inactive").min(),
        )
        .sort("node")
    )


def _days_since(column: pl.Expr, as_of: datetime) -> pl.Expr:
    seconds = (
        pl.lit(as_of).dt.convert_time_zone("UTC") - column.dt.convert_time_zone("UTC")
    ).dt.total_seconds()
    return (seconds / 86400.0).clip(lower_bound=0.0)


def _usage(dependents: pl.Expr, stars: pl.Expr) -> pl.Expr:
    """How much a project is used: dependents count far more than stars; unknown counts 0."""
    return (dependents.fill_null(0).cast(pl.Float64) + 1.0).log() * 2.0 + (
        stars.fill_null(0).cast(pl.Float64) + 1.0
    ).log()


def _recommend(frame: pl.DataFrame, config: RedundancyConfig) -> pl.DataFrame:
    """The keeper of each cluster is the most used, then the most recently active member."""
    in_cluster = pl.col("cluster_size") > 1
    ranked = (
        frame.with_row_index("row_order")
        .sort(
            ["cluster", "usage", "days_inactive"], descending=[False, True, False], nulls_last=True
        )
        .with_columns((pl.int_range(pl.len()).over("cluster") + 1).alias("place"))
    )
    keeper = ranked.filter(pl.col("place") == 1).select(
        "cluster",
        pl.col("entity_id").alias("keep_entity_id"),
        pl.col("usage").alias("keeper_usage"),
    )
    ranked = ranked.join(keeper, on="cluster", how="left")
    staleness = (pl.col("days_inactive") / config.stale_days).clip(upper_bound=1.0)
    usage_gap = (
        pl.when(pl.col("keeper_usage") > 0)
        .then(1.0 - pl.col("usage") / pl.col("keeper_usage"))
        .otherwise(0.0)
        .clip(0.0, 1.0)
    )
    parts = {
        "staleness": (staleness, config.weight_staleness),
        "usage_gap": (usage_gap, config.weight_usage_gap),
        "api_overlap": (pl.col("api_overlap"), config.weight_api_overlap),
    }
    numerator = pl.sum_horizontal(expr.fill_null(0.0) * w for expr, w in parts.values())
    denominator = pl.sum_horizontal(
        pl.when(expr.is_not_null()).then(w).otherwise(0.0) for expr, w in parts.values()
    )
    evidence = pl.when(denominator > 0).then(numerator / denominator).otherwise(0.0)
    stale = pl.col("days_inactive") >= config.stale_days  # unknown activity: not stale
    return (
        ranked.with_columns(
            staleness.alias("staleness"),
            pl.when(~in_cluster)
            .then(None)
            .when(pl.col("place") == 1)
            .then(pl.lit(KEEP))
            .when(stale & (pl.col("usage") <= pl.col("keeper_usage")))
            .then(pl.lit(ARCHIVE))
            .otherwise(pl.lit(CONSOLIDATE))
            .alias("recommendation"),
            pl.when(in_cluster & (pl.col("place") > 1))  # the keeper is the one to invest in
            .then((pl.col("similarity") * evidence).clip(0.0, 1.0))
            .otherwise(0.0)
            .alias("redundancy"),
        )
        .with_columns(
            pl.when(in_cluster).then(pl.col("keep_entity_id")).alias("keep_entity_id"),
            pl.when(in_cluster).then(pl.col("cluster")).alias("cluster"),
        )
        .drop("place", "keeper_usage")
    )
