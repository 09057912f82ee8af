"""Prefect tasks for the cache of issue embeddings, `raw_issue_embeddings`: one vector per
issue version (issue_id, updated_at), text and model, read before anything is embedded and
landed once computed (tasks/local/embeddings.py's embed_issues makes them)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import polars as pl
from prefect import task
from prefect.cache_policies import NO_CACHE

from warehouse.io import store
from warehouse.readers import triage_queries


def _wanted(issues: pl.DataFrame, texts: list[str]) -> pl.DataFrame:
    """issue_id, issue_updated_at and the sha256 of the text embedded, one row per issue."""
    if issues.height != len(texts):
        raise ValueError(f"{len(texts)} texts for {issues.height} issues")
    shas = [hashlib.sha256(text.encode()).hexdigest() for text in texts]
    return issues.select(
        pl.col("issue_id"),
        pl.col("updated_at").alias("issue_updated_at"),
        pl.Series("text_sha", shas, dtype=pl.String),
    )


@task(name="read-issue-embeddings", cache_policy=NO_CACHE)
def read_embeddings(
    db_path: Path, issues: pl.DataFrame, texts: list[str], model: str
) -> list[np.ndarray | None]:
    """The cached vector of each issue (columns issue_id, updated_at) and its text, None where
    `model` has not embedded this version and text yet."""
    with store.connect(db_path) as con:
        found = triage_queries.cached_embeddings(con, _wanted(issues, texts), model)
    vectors: list[np.ndarray | None] = [None] * len(texts)
    if found.height:
        flat = found["vector"].explode().to_numpy().astype(np.float32, copy=False)
        for position, vector in zip(found["position"], flat.reshape(found.height, -1), strict=True):
            vectors[position] = vector
    return vectors


@task(name="land-issue-embeddings", cache_policy=NO_CACHE)
def land_embeddings(
    db_path: Path, issues: pl.DataFrame, texts: list[str], vectors: np.ndarray, model: str
) -> int:
    """Upsert the vectors `model` made of the issues' texts (one row of `vectors` each)."""
    if not texts:
        return 0
    vectors = np.asarray(vectors, dtype=np.float32)
    rows = _wanted(issues, texts).with_columns(
        pl.lit(model).alias("model"),
        pl.lit(vectors.shape[1], dtype=pl.Int32).alias("dim"),
        pl.Series("vector", vectors),
        pl.lit(store.now()).alias("embedded_at"),
    )
    with store.connect(db_path) as con:
        return store.land(con, "raw_issue_embeddings", rows)
