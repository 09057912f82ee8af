"""The registry crawl (`registry-crawl`): seeds (package names, or a lockfile's packages) are
fetched from their registry, landed, and their dependencies followed breadth-first up to
`depth` hops, each package fetched once per crawl. Runtime edges are followed by default;
dev, optional, peer and build edges land but are not followed unless asked.

Without `base_url` the registry is the one the user's tools are configured with, found by a task
(tasks/registry_endpoints.py). Credentials in that configuration never become a parameter, a
column or a message: the fetch task finds them again and sends them as HTTP auth.

Only orders tasks. The queue in the warehouse is the checkpoint: a crawl killed mid-way is
resumed by running it again with the same arguments (nothing landed is fetched again).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.runtime import flow_run
from prefect.task_runners import ThreadPoolTaskRunner
from pydantic import BaseModel

from flows.ledger_hooks import LEDGER_HOOKS
from flows.score import Ranked, Scoring, build_and_score
from tasks.lockfiles import parse_lockfile
from tasks.progress import progress_steps
from tasks.registries import normalise_name
from tasks.registry_endpoints import public_url, registry_url
from tasks.registry_fetch import RegistryTarget, ensure_registry_rate_limit, fetch_package
from tasks.registry_http import RegistryTiming, Usage
from warehouse import store
from warehouse.registry_store import RegistryStore

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


@task(name="registry-endpoint", cache_policy=NO_CACHE)
def find_registry(ecosystem: str, crates_url: str | None, go_proxy_url: str | None) -> str:
    """The registry the user's tools use for `ecosystem`, without credentials."""
    return public_url(registry_url(ecosystem, crates_url, go_proxy_url))


def crawl_id_for(target: RegistryTarget, seeds: list[str], depth: int, follow: list[str]) -> str:
    key = json.dumps([target.ecosystem, target.base_url, sorted(seeds), depth, sorted(follow)])
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def seeds_from(
    ecosystem: str, packages: list[str], lockfile: Path | None
) -> tuple[list[str], list[str]]:
    """Normalised, deduplicated seed names, and what the lockfile held that was left out."""
    names = [normalise_name(ecosystem, p) for p in packages if p.strip()]
    skipped: list[str] = []
    if lockfile is not None:
        parsed = parse_lockfile(lockfile)
        skipped += parsed.skipped
        for locked in parsed.packages:
            if locked.ecosystem == ecosystem:
                names.append(normalise_name(ecosystem, locked.name))
            else:
                skipped.append(f"{locked.ecosystem}:{locked.name} (not {ecosystem})")
    return list(dict.fromkeys(names)), skipped


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
    rank: bool = False,
    scoring: Scoring | None = None,
) -> RegistryCrawlSummary:
    """Crawl `ecosystem` (purl type: pypi, npm, cargo, golang) at `base_url` from the seeds,
    `depth` hops deep. Every request to this registry, in any process, shares the
    `requests_per_second` budget (a Prefect global rate limit per registry). `base_url`: None
    for the registry the user's tools use (`crates_url` / `go_proxy_url`: the settings for the
    registries without a tool configuration). `rank`: then build the marts and score them
    (`scoring`: the score flow's parameters), as `globallm discover` and the deployment do."""
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
    seeds, skipped = seeds_from(ecosystem, list(packages or []), lockfile)
    tuned = RegistryTiming(**(timing or {}))
    if requests_per_second > 0:
        limit = ensure_registry_rate_limit(requests_per_second, f"registry-{ecosystem}-requests")
        tuned = tuned.model_copy(update={"rate_limit": limit})
    summary = RegistryCrawlSummary(ecosystem=ecosystem, seeds=len(seeds), skipped_seeds=skipped)
    if dependents_url:
        summary.dependents_source = "from the configured dependents service"
    crawl_id = crawl_id_for(target, seeds, depth, follow)
    registry_store = RegistryStore(db_path)
    summary.resumed = registry_store.start(crawl_id, ecosystem, seeds)
    fetch = fetch_package.with_options(tags=[f"registry:{ecosystem}"])
    with progress_steps(f"Crawling {ecosystem}", total=None) as advance:
        while True:
            level, names = registry_store.pending(crawl_id)
            if not names:
                break
            futures = [
                fetch.submit(db_path, crawl_id, target, name, level, depth, follow, tuned)
                for name in names
            ]
            for future in as_completed(futures):
                outcome = future.result()
                summary.usage.add(outcome.usage)
                if outcome.landed:
                    summary.packages += 1
                    summary.edges += outcome.edges
                elif outcome.unknown:
                    summary.unknown.append(outcome.name)
                else:
                    summary.failed.append(outcome.name)
                advance(outcome.name)
    summary.unknown.sort()
    summary.failed.sort()
    registry_store.finish(crawl_id)
    store.checkpoint(db_path)
    if rank:
        summary.ranked = build_and_score(db_path, scoring or Scoring(), str(flow_run.get_id()))
    return summary
