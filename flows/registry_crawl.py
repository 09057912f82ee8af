"""The registry crawl (`registry-crawl`): seeds (package names, or a lockfile's packages) are
fetched from their registry, landed, and their dependencies followed breadth-first up to
`depth` hops, each package fetched once per crawl. Runtime edges are followed by default;
dev, optional, peer and build edges land but are not followed unless asked.

Without `base_url` the registry is the one the user's tools are configured with, found by a task
(tasks/registries/endpoints.py). Credentials in that configuration never become a parameter, a
column or a message: the fetch task finds them again and sends them as HTTP auth.

Only orders tasks. The queue in the warehouse is the checkpoint: a crawl killed mid-way is
resumed by running it again with the same arguments (nothing landed is fetched again).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow
from prefect.futures import as_completed
from prefect.task_runners import ThreadPoolTaskRunner
from pydantic import BaseModel

from flows.runtime.ledger_hooks import LEDGER_HOOKS
from tasks.progress import progress_steps
from tasks.registries.endpoints import find_registry, public_url
from tasks.registries.fetch import (
    FetchOutcome,
    RegistryTarget,
    ensure_registry_rate_limit,
    fetch_package,
)
from tasks.registries.http import RegistryTiming, Usage
from tasks.registries.queue import crawl_id_for, finish_crawl, pending_packages, start_crawl
from tasks.registries.seeds import read_seeds

# Requests wait on the network, not the CPU: a few threads keep the 2 cores busy.
REGISTRY_THREADS = 8


class RegistryCrawlSummary(BaseModel):
    ecosystem: str
    packages: int = 0
    edges: int = 0
    failed: list[str] = []
    unknown: list[str] = []
    usage: Usage = Usage()
    resumed: bool = False
    seeds: int = 0
    skipped_seeds: list[str] = []  # lockfile entries of another ecosystem, or unreadable
    dependents_source: str = "computed from the crawled graph"

    def count(self, outcome: FetchOutcome) -> None:
        """Add one fetched package: landed (with its edges), unknown to the registry, or failed."""
        self.usage.add(outcome.usage)
        if outcome.landed:
            self.packages += 1
            self.edges += outcome.edges
        elif outcome.unknown:
            self.unknown.append(outcome.name)
        else:
            self.failed.append(outcome.name)


@flow(
    name="registry-crawl",
    task_runner=ThreadPoolTaskRunner(max_workers=REGISTRY_THREADS),
    **LEDGER_HOOKS,
)
def registry_crawl_flow(
    db_path: Path,
    ecosystem: str,
    base_url: str | None = None,
    packages: list[str] | None = None,
    lockfile: Path | None = None,
    depth: int = 1,
    follow: list[str] | None = None,
    dependents_url: str | None = None,
    requests_per_second: float = 10.0,
    timing: dict[str, Any] | None = None,
    parent_run_id: str | None = None,
    crates_url: str | None = None,
    go_proxy_url: str | None = None,
) -> RegistryCrawlSummary:
    """Crawl `ecosystem` (purl type: pypi, npm, cargo, golang) at `base_url` from the seeds,
    `depth` hops deep. Every request to this registry, in any process, shares the
    `requests_per_second` budget (a Prefect global rate limit per registry). `base_url`: None
    for the registry the user's tools use (`crates_url` / `go_proxy_url`: the settings for the
    registries without a tool configuration)."""
    if base_url is None:
        base_url = find_registry(ecosystem, crates_url, go_proxy_url)
    target = RegistryTarget(
        ecosystem=ecosystem,
        base_url=public_url(base_url),
        dependents_url=public_url(dependents_url) if dependents_url else None,
        crates_setting=crates_url,
        go_setting=go_proxy_url,
    )
    follow = list(follow or ["runtime"])
    seeds, skipped = read_seeds(ecosystem, list(packages or []), lockfile)
    tuned = RegistryTiming(**(timing or {}))
    if requests_per_second > 0:  # one rate limit per registry, shared by every process
        limit = ensure_registry_rate_limit(requests_per_second, f"registry-{ecosystem}-requests")
        tuned = tuned.model_copy(update={"rate_limit": limit})
    summary = RegistryCrawlSummary(ecosystem=ecosystem, seeds=len(seeds), skipped_seeds=skipped)
    if dependents_url:
        summary.dependents_source = "from the configured dependents service"
    crawl_id = crawl_id_for(target, seeds, depth, follow)
    summary.resumed = start_crawl(db_path, crawl_id, ecosystem, seeds)
    fetch = fetch_package.with_options(tags=[f"registry:{ecosystem}"])
    with progress_steps(f"Crawling {ecosystem}", total=None) as advance:
        while True:
            level, names = pending_packages(db_path, crawl_id)
            if not names:
                break
            futures = [
                fetch.submit(db_path, crawl_id, target, name, level, depth, follow, tuned)
                for name in names
            ]
            for future in as_completed(futures):
                outcome = future.result()
                summary.count(outcome)
                advance(outcome.name)
    summary.unknown.sort()
    summary.failed.sort()
    finish_crawl(db_path, crawl_id)
    return summary
