"""The registry crawl's queue in the warehouse (raw_registry_crawl_queue), as Prefect tasks.

The queue is the crawl's checkpoint: a crawl is named by what it was asked (`crawl_id_for`), so
running it again with the same arguments finds its queue and fetches only what is still
pending. Every task reads the queue fresh (NO_CACHE): the same question asked twice in one run
has a different answer once a level has been fetched.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from tasks.registries.fetch import RegistryTarget
from warehouse.io import store
from warehouse.io.registry_store import RegistryStore


def crawl_id_for(target: RegistryTarget, seeds: list[str], depth: int, follow: list[str]) -> str:
    """The same registry, seeds, depth and followed kinds name the same crawl (and its queue)."""
    key = json.dumps([target.ecosystem, target.base_url, sorted(seeds), depth, sorted(follow)])
    return hashlib.sha256(key.encode()).hexdigest()[:16]


@task(name="registry-queue-start", cache_policy=NO_CACHE)
def start_crawl(db_path: Path, crawl_id: str, ecosystem: str, seeds: list[str]) -> bool:
    """Queue the seeds unless this crawl has a queue already; True when it resumes."""
    return RegistryStore(db_path).start(crawl_id, ecosystem, seeds)


@task(name="registry-queue-pending", cache_policy=NO_CACHE)
def pending_packages(db_path: Path, crawl_id: str) -> tuple[int, list[str]]:
    """The shallowest depth with pending packages, and those packages (none: the crawl is done)."""
    return RegistryStore(db_path).pending(crawl_id)


@task(name="registry-queue-finish", cache_policy=NO_CACHE)
def finish_crawl(db_path: Path, crawl_id: str) -> dict[str, int]:
    """Drop the finished crawl's queue and checkpoint the warehouse; the queue's counts by state."""
    counts = RegistryStore(db_path).finish(crawl_id)
    store.checkpoint(db_path)
    return counts
