"""`globallm redundancy`: near-duplicate projects of a language, with evidence and advice."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import duckdb
import polars as pl
import typer

from flows.cli.common import FILL_HINT, fail, settings_for
from flows.cli.output import OutputFormat, console, print_frame
from warehouse.io import store
from warehouse.readers import queries, redundancy_queries

SHOWN = ["cluster", "name", "similarity", "api_overlap", "last_activity", "recommendation",
         "redundancy"]  # fmt: skip


def redundancy(
    ctx: typer.Context,
    language: Annotated[str, typer.Option("--language", "-l", help="e.g. python, javascript")],
    top: Annotated[int, typer.Option(min=1, help="How many clusters to print")] = 10,
    threshold: Annotated[
        float | None,
        typer.Option(
            min=0.01,
            max=1.0,
            help="Cosine similarity for a pair [default redundancy.similarity_threshold, or "
            "redundancy.fallback_similarity_threshold with TF-IDF]",
        ),
    ] = None,
    model: Annotated[
        bool, typer.Option(help="Use MiniLM when installed; --no-model forces TF-IDF")
    ] = True,
) -> None:
    """Cluster near-duplicate projects and recommend keep, consolidate or archive candidate."""
    from flows.redundancy import redundancy_flow
    from tasks.local.embeddings import method_for

    settings = settings_for(ctx)
    if not _scored(settings.db):
        raise fail(f"no scored warehouse at {settings.db}: {FILL_HINT}")
    console.print(method_for(model)[1])  # the first line says which embedding method runs
    summary = redundancy_flow(
        db_path=settings.db,
        language=language,
        config=settings.redundancy.model_dump(),
        use_model=model,
        threshold=threshold,
        priority=settings.priority.model_dump(),
        max_file_bytes=settings.crawl.max_file_bytes,
    )
    with store.connect(settings.db, read_only=True) as con:
        frame = redundancy_queries.clusters(con, language, top)
    console.print(
        f"{summary.projects} {summary.language} projects · {summary.pairs} similar pairs "
        f"(cosine ≥ {summary.threshold:.2f}) · {summary.clusters} clusters · API files parsed "
        f"{summary.api_files_parsed}, skipped {summary.api_files_skipped}"
    )
    if frame.is_empty():
        console.print("no near-duplicates found")
        return
    shown = frame.with_columns(
        pl.col("last_activity_at").dt.strftime("%Y-%m-%d").alias("last_activity")
    ).select(SHOWN)
    print_frame(shown, OutputFormat.table, title=f"Near-duplicate {summary.language} projects")


def _scored(db: Path) -> bool:
    """Whether the warehouse has been scored (redundancy compares fct_repo_scores' entities)."""
    try:
        with store.connect(db, read_only=True) as con:
            return "fct_repo_scores" in queries.existing_tables(con)
    except (FileNotFoundError, duckdb.Error):
        return False
