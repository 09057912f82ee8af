"""Prefect tasks for triage's warehouse side: the issues to triage, the labelled ones and the
local checkouts of their repositories (read through warehouse/readers/triage_queries.py), and
the verdicts landed in `raw_issue_triage`."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from prefect import task
from prefect.cache_policies import NO_CACHE

from warehouse.io import store
from warehouse.readers import triage_queries


@task(name="read-untriaged-issues", cache_policy=NO_CACHE)
def read_untriaged(
    db_path: Path, version: str, repo: str | None, limit: int | None
) -> tuple[pl.DataFrame, int]:
    """The open issues `version` has not triaged as they are now, and how many are open."""
    with store.connect(db_path) as con:
        return triage_queries.untriaged(con, version, repo, limit), triage_queries.open_issues(
            con, repo
        )


@task(name="read-labelled-issues", cache_policy=NO_CACHE)
def read_labelled(db_path: Path) -> pl.DataFrame:
    with store.connect(db_path) as con:
        return triage_queries.labelled(con)


@task(name="read-issue-checkouts", cache_policy=NO_CACHE)
def read_checkouts(db_path: Path) -> dict[str, Path]:
    """Local checkouts still on disk, by the GitHub repository (owner/name) they clone."""
    with store.connect(db_path) as con:
        found = triage_queries.checkouts(con)
    return {repo: Path(path) for repo, path in found.items() if Path(path).is_dir()}


@task(name="land-issue-triage", cache_policy=NO_CACHE)
def land_triage(db_path: Path, rows: pl.DataFrame) -> int:
    """Upsert the verdicts (keyed by issue, its updated_at and the triage version)."""
    if rows.is_empty():
        return 0
    stamped = rows.with_columns(pl.lit(store.now()).alias("triaged_at"))
    with store.connect(db_path) as con:
        return store.land(con, "raw_issue_triage", stamped.to_dicts())
