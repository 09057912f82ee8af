"""Prefect tasks for the redundancy flow's warehouse side: the projects to compare (read through
warehouse/readers/redundancy_queries.py) and their scores landed in `raw_redundancy_scores`."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from prefect import task
from prefect.cache_policies import NO_CACHE

from tasks.local.api_surface import ApiSurface
from warehouse.io import store
from warehouse.readers import redundancy_queries

STORED = ["entity_id", "name", "kind", "similarity", "api_overlap", "keep_entity_id",
          "last_activity_at", "days_inactive", "stars", "dependents", "recommendation",
          "redundancy"]  # fmt: skip


@task(name="read-redundancy-candidates", cache_policy=NO_CACHE)
def read_candidates(db_path: Path, language: str) -> pl.DataFrame:
    """The scored projects of `language` with their text and activity, read fresh each run."""
    with store.connect(db_path) as con:
        return redundancy_queries.candidates(con, language)


def score_rows(
    assessed: pl.DataFrame, language: str, method: str, surfaces: dict[int, ApiSurface]
) -> pl.DataFrame:
    """`raw_redundancy_scores` rows of the assessed projects: the evidence, the embedding
    method, and per paired checkout how many files its API was read from (null elsewhere)."""
    parsed = {row: s.files_parsed for row, s in surfaces.items()}
    skipped = {row: s.files_skipped for row, s in surfaces.items()}
    return assessed.select(STORED).with_columns(
        pl.lit(language).alias("language"),
        assessed["cluster"].cast(pl.Int32).alias("cluster_id"),
        assessed["cluster_size"].cast(pl.Int32),
        pl.lit(method).alias("method"),
        pl.Series("api_files_parsed", [parsed.get(i) for i in range(len(assessed))], pl.Int32),
        pl.Series("api_files_skipped", [skipped.get(i) for i in range(len(assessed))], pl.Int32),
        pl.lit(store.now()).alias("computed_at"),
    )


@task(name="land-redundancy-scores", cache_policy=NO_CACHE)
def land_scores(
    db_path: Path,
    language: str,
    method: str,
    assessed: pl.DataFrame,
    surfaces: dict[int, ApiSurface],
) -> int:
    """Replace `language`'s rows in `raw_redundancy_scores`; how many landed."""
    rows = score_rows(assessed, language, method, surfaces)
    with store.connect(db_path) as con:
        store.land(con, "raw_redundancy_scores", rows.to_dicts(), {"language": language})
    return rows.height
