"""The redundancy flow: near-duplicate projects of one language, scored into fct_priority.

Reads the scored projects (warehouse/readers/redundancy_queries.py), embeds their text (MiniLM,
or the TF-IDF fallback, which the summary says), finds candidate pairs and clusters, reads the
public API of each paired checkout (tree-sitter) for the overlap, lands one row per project in
`raw_redundancy_scores` (replacing that language's previous rows) and rebuilds fct_priority.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
from prefect import flow
from pydantic import BaseModel

from flows.runtime.ledger_hooks import LEDGER_HOOKS
from flows.score import scoring_vars
from scoring.redundancy import (
    RedundancyConfig,
    assess,
    candidate_pairs,
    drop_same_project,
    project_texts,
    with_api_overlap,
)
from settings import CrawlSettings
from tasks.dbt.build import dbt_build
from tasks.local.api_surface import api_surface, paired_checkouts
from tasks.local.embeddings import embed_texts
from tasks.progress import progress_steps
from tasks.store.redundancy import land_scores, read_candidates


class RedundancySummary(BaseModel):
    language: str
    method: str
    notice: str
    threshold: float
    projects: int
    pairs: int
    clusters: int
    api_files_parsed: int
    api_files_skipped: int


@flow(name="redundancy", **LEDGER_HOOKS)
def redundancy_flow(
    db_path: Path,
    language: str,
    config: dict[str, Any] | None = None,
    use_model: bool = True,
    threshold: float | None = None,
    priority: dict[str, float] | None = None,
    rebuild_priority: bool = True,
    max_file_bytes: int = CrawlSettings().max_file_bytes,  # the settings' default, one place
    parent_run_id: str | None = None,
) -> RedundancySummary:
    """Assess one language's projects; `use_model=False` forces the TF-IDF fallback."""
    settings = RedundancyConfig.model_validate(config or {})
    language = language.lower()
    projects = read_candidates(db_path, language)
    texts = project_texts(projects, settings.readme_chars)
    with progress_steps(f"Embedding {len(texts)} {language} projects", 1) as advance:
        embeddings = embed_texts(texts, use_model=use_model)
        advance(embeddings.method)
    cut = threshold if threshold is not None else settings.threshold_for(embeddings.method)
    pairs = candidate_pairs(embeddings.matrix, cut, settings.block_size)
    pairs = drop_same_project(pairs, projects["project_key"].to_list())
    checkouts = paired_checkouts(projects["path"].to_list(), pairs)
    surfaces = {}
    with progress_steps("Reading public APIs (tree-sitter)", len(checkouts)) as advance:
        for row, path in checkouts.items():
            surfaces[row] = api_surface(path, settings.max_api_files, max_file_bytes)
            advance(path.name)
    pairs = with_api_overlap(pairs, {row: surface.names for row, surface in surfaces.items()})
    assessed = assess(projects, pairs, settings, datetime.now(UTC))
    land_scores(db_path, language, embeddings.method, assessed, surfaces)
    if rebuild_priority:
        dbt_build(
            db_path,
            select=["fct_priority"],
            exclude=[],
            variables=scoring_vars(priority=priority),
            label="Scoring priority (dbt)",
        )
    return RedundancySummary(
        language=language,
        method=embeddings.method,
        notice=embeddings.notice,
        threshold=cut,
        projects=projects.height,
        pairs=pairs.height,
        clusters=assessed.filter(pl.col("cluster_size") > 1)["cluster"].n_unique(),
        api_files_parsed=sum(s.files_parsed for s in surfaces.values()),
        api_files_skipped=sum(s.files_skipped for s in surfaces.values()),
    )
