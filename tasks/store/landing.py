"""Prefect tasks that land source records in the warehouse's raw tables (via warehouse.io.store).

Each landing replaces the scope it covers (one repository, one environment), so re-running a
crawl leaves the same rows and a manifest removed since the last crawl disappears.
"""

from __future__ import annotations

from pathlib import Path

from prefect import task

from tasks.local.python_env import EnvironmentSnapshot
from tasks.local.rows import Finding, RepoCrawl
from warehouse.io import store


@task(name="land-repository")
def land_repository(db_path: Path, crawl: RepoCrawl) -> None:
    scope = {"repo_id": crawl.repo.repo_id}
    with store.connect(db_path) as con:
        store.land(con, "raw_local_repos", [crawl.repo])
        store.land(con, "raw_local_manifests", crawl.manifests, scope)
        store.land(con, "raw_local_dependencies", crawl.dependencies, scope)
        store.land(con, "raw_local_findings", crawl.findings, scope)


@task(name="land-crawl-failure")
def land_crawl_failure(db_path: Path, repo_path: Path, error: str) -> None:
    """Record a crawl that failed outright, so it shows up instead of vanishing."""
    finding = Finding(repo_id=f"local:{repo_path}", path=".", finding_kind="crawl-failed",
                      detail=error)  # fmt: skip
    with store.connect(db_path) as con:
        store.land(con, "raw_local_findings", [finding])


@task(name="land-python-environment")
def land_environment(db_path: Path, snapshot: EnvironmentSnapshot) -> None:
    scope = {"environment": snapshot.environment}
    with store.connect(db_path) as con:
        store.land(con, "raw_python_distributions", snapshot.distributions, scope)
        store.land(con, "raw_python_requirements", snapshot.requirements, scope)


@task(name="count-rows")
def count_rows(db_path: Path, tables: list[str]) -> dict[str, int]:
    with store.connect(db_path) as con:
        return store.row_counts(con, tables)
