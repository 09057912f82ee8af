"""The crawl flow: local git workspaces and the installed Python environment into raw tables."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from prefect import flow
from prefect.futures import as_completed
from prefect.task_runners import ThreadPoolTaskRunner
from pydantic import BaseModel

from flows.runtime.ledger_hooks import LEDGER_HOOKS
from settings import CrawlSettings
from tasks.local.python_env import read_environment
from tasks.local.repos import crawl_repository, list_repositories
from tasks.progress import progress_steps
from tasks.store.landing import count_rows, land_crawl_failure, land_environment, land_repository
from warehouse.io.tables import RAW_TABLES

_CRAWL = CrawlSettings()  # the settings' defaults, one place


class CrawlSummary(BaseModel):
    repositories: int
    findings: int
    failed: list[str]
    distributions: int
    row_counts: dict[str, int]


# git is mostly waiting on the disk: a few threads beyond the core count keep both cores busy
# without starting one git process per repository at once.
CRAWL_THREADS = 8


@flow(name="crawl", task_runner=ThreadPoolTaskRunner(max_workers=CRAWL_THREADS), **LEDGER_HOOKS)
def crawl_flow(
    db_path: Path,
    paths: list[Path],
    skip_dirs: list[str],
    max_file_bytes: int = _CRAWL.max_file_bytes,
    include_environment: bool = _CRAWL.include_environment,
    parent_run_id: str | None = None,
) -> CrawlSummary:
    """Find every repository under `paths`, crawl each in parallel, land each as it finishes."""
    as_of = datetime.now(UTC)
    repos = list_repositories(paths, skip_dirs)
    futures = {
        crawl_repository.submit(path, as_of, max_file_bytes, skip_dirs): path for path in repos
    }
    findings, failed = 0, []
    with progress_steps("Crawling repositories", total=len(repos)) as advance:
        for future in as_completed(list(futures)):
            try:
                crawl = future.result()
            except Exception as error:  # one broken repository never stops the others
                failed.append(str(futures[future]))
                land_crawl_failure(db_path, futures[future], f"{type(error).__name__}: {error}")
            else:
                findings += len(crawl.findings)
                land_repository(db_path, crawl)
            advance(futures[future].name)
    distributions = 0
    if include_environment:
        snapshot = read_environment()
        land_environment(db_path, snapshot)
        distributions = len(snapshot.distributions)
    return CrawlSummary(
        repositories=len(repos),
        findings=findings,
        failed=failed,
        distributions=distributions,
        row_counts=count_rows(db_path, list(RAW_TABLES)),
    )
