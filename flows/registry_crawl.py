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
from prefect.runtime import flow_run
from prefect.task_runners import ThreadPoolTaskRunner
from pydantic import BaseModel, ConfigDict

from flows.runtime.ledger_hooks import LEDGER_HOOKS
from flows.score import Ranked, Scoring, build_and_score
from settings import RegistrySettings
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
    ranked: Ranked | None = None  # with rank=True: the build and score that followed

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


_REGISTRIES = RegistrySettings()  # the settings' defaults, one place


class RegistryCrawlParams(BaseModel):
    """Where a registry crawl starts, how deep and how fast; every default is the settings'
    default (`registries.*`). `base_url`: None for the registry the user's tools use
    (`crates_url` / `go_proxy_url`: the settings for the registries without a tool
    configuration). No URL with credentials: the fetch task finds them again."""

    model_config = ConfigDict(extra="forbid")

    base_url: str | None = None
    packages: list[str] = []
    lockfile: Path | None = None
    depth: int = 1
    follow: list[str] = ["runtime"]
    dependents_url: str | None = _REGISTRIES.dependents_url
    requests_per_second: float = _REGISTRIES.requests_per_second
    crates_url: str | None = _REGISTRIES.crates_url
    go_proxy_url: str | None = _REGISTRIES.go_proxy_url
    rank: bool = False  # then build and score the marts, so the ranking shows what was crawled
    scoring: Scoring = Scoring()


@flow(
    name="registry-crawl",
    task_runner=ThreadPoolTaskRunner(max_workers=REGISTRY_THREADS),
    **LEDGER_HOOKS,
)
def registry_crawl_flow(
    db_path: Path,
    ecosystem: str,
    params: RegistryCrawlParams | None = None,
    timing: dict[str, Any] | None = None,
    parent_run_id: str | None = None,
) -> RegistryCrawlSummary:
    """Crawl `ecosystem` (purl type: pypi, npm, cargo, golang) from the seeds, `depth` hops
    deep. Every request to this registry, in any process, shares the `requests_per_second`
    budget (a Prefect global rate limit per registry). `rank`: then build the marts and score
    them (`scoring`), as `globallm discover` and the deployment do."""
    p = params or RegistryCrawlParams()
    base_url = p.base_url
    if base_url is None:
        base_url = find_registry(ecosystem, p.crates_url, p.go_proxy_url)
    target = RegistryTarget(
        ecosystem=ecosystem,
        base_url=public_url(base_url),
        dependents_url=public_url(p.dependents_url) if p.dependents_url else None,
        crates_setting=p.crates_url,
        go_setting=p.go_proxy_url,
    )
    depth = p.depth
    follow = list(p.follow)
    seeds, skipped = read_seeds(ecosystem, list(p.packages), p.lockfile)
    tuned = RegistryTiming(**(timing or {}))
    if p.requests_per_second > 0:  # one rate limit per registry, shared by every process
        limit = ensure_registry_rate_limit(p.requests_per_second, f"registry-{ecosystem}-requests")
        tuned = tuned.model_copy(update={"rate_limit": limit})
    summary = RegistryCrawlSummary(ecosystem=ecosystem, seeds=len(seeds), skipped_seeds=skipped)
    if p.dependents_url:
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
    if p.rank:
        summary.ranked = build_and_score(db_path, p.scoring, str(flow_run.get_id()))
    return summary
