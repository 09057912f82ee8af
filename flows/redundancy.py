"""The redundancy flow: near-duplicate projects of one language, scored into fct_priority.

Reads the scored projects (warehouse/readers/redundancy_queries.py), embeds their text (MiniLM,
or the TF-IDF fallback, which the summary says), finds candidate pairs and clusters, reads the
public API of each paired checkout (tree-sitter) for the overlap, lands one row per project in
`raw_redundancy_scores` (replacing that language's previous rows) and rebuilds fct_priority.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
from prefect import flow
from pydantic import BaseModel

from flows.runtime.ledger_hooks import LEDGER_HOOKS
from scoring.redundancy import (
    RedundancyConfig,
    assess,
    candidate_pairs,
    drop_same_project,
    project_text,
    with_api_overlap,
)
from tasks.dbt.build import dbt_build
from tasks.local.api_surface import api_surface
from tasks.local.embeddings import embed_texts
from tasks.progress import progress_steps
from warehouse.io import store
from warehouse.readers import redundancy_queries

STORED = ["entity_id", "name", "kind", "similarity", "api_overlap", "keep_entity_id",
          "last_activity_at", "days_inactive", "stars", "dependents", "recommendation",
          "redundancy"]  # fmt: skip


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
    max_file_bytes: int = 2_000_000,
    parent_run_id: str | None = None,
) -> RedundancySummary:
    """Assess one language's projects; `use_model=False` forces the TF-IDF fallback."""
    settings = RedundancyConfig.model_validate(config or {})
    language = language.lower()
    with store.connect(db_path) as con:
        projects = redundancy_queries.candidates(con, language)
    texts = [
        project_text(name, summary, readme, settings.readme_chars)
        for name, summary, readme in projects.select("name", "summary", "readme_excerpt").rows()
    ]
    with progress_steps(f"Embedding {len(texts)} {language} projects", 1) as advance:
        embeddings = embed_texts(texts, use_model=use_model)
        advance(embeddings.method)
    cut = threshold if threshold is not None else settings.threshold_for(embeddings.method)
    pairs = candidate_pairs(embeddings.matrix, cut, settings.block_size)
    pairs = drop_same_project(pairs, projects["project_key"].to_list())
    paired = sorted(set(pairs["left"].to_list()) | set(pairs["right"].to_list()))
    paths = projects["path"].to_list()
    checkouts = [row for row in paired if paths[row] and Path(paths[row]).is_dir()]
    surfaces = {}
    with progress_steps("Reading public APIs (tree-sitter)", len(checkouts)) as advance:
        for row in checkouts:
            surfaces[row] = api_surface(Path(paths[row]), settings.max_api_files, max_file_bytes)
            advance(Path(paths[row]).name)
    pairs = with_api_overlap(pairs, {row: surface.names for row, surface in surfaces.items()})
    assessed = assess(projects, pairs, settings, store.now())
    parsed = {row: s.files_parsed for row, s in surfaces.items()}
    skipped = {row: s.files_skipped for row, s in surfaces.items()}
    rows = assessed.select(STORED).with_columns(
        pl.lit(language).alias("language"),
        assessed["cluster"].cast(pl.Int32).alias("cluster_id"),
        assessed["cluster_size"].cast(pl.Int32),
        pl.lit(embeddings.method).alias("method"),
        pl.Series("api_files_parsed", [parsed.get(i) for i in range(len(assessed))], pl.Int32),
        pl.Series("api_files_skipped", [skipped.get(i) for i in range(len(assessed))], pl.Int32),
        pl.lit(store.now()).alias("computed_at"),
    )
    with store.connect(db_path) as con:
        store.land(con, "raw_redundancy_scores", rows.to_dicts(), {"language": language})
    if rebuild_priority:
        dbt_build(
            db_path,
            select=["fct_priority"],
            exclude=[],
            variables={"priority_json": json.dumps(priority or {})},
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
        api_files_parsed=sum(parsed.values()),
        api_files_skipped=sum(skipped.values()),
    )
