"""The Prefect task of the registry crawl: fetch one package from its registry (and its
dependents where a service is configured), land it with its edges, and queue the dependencies
to follow. An unknown package or a registry that keeps failing is recorded, never raised, so
the crawl goes on.

The warehouse is not held while the network is waited on (retries and Retry-After waits take up
to a minute, and a held connection blocks `store.quiesced`): each cache read opens its own short
connection (~20 ms), and the cache writes land with the package, in one connection, after the
last request.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel

from tasks.http.rate_limit import upsert_rate_limit
from tasks.registries.crates import CratesClient
from tasks.registries.dependents import SOURCE, EcosystemsDependents
from tasks.registries.endpoints import RegistryAuth, credentials_for
from tasks.registries.go import GoProxyClient
from tasks.registries.http import RegistryHttp, RegistryTiming, Usage, http_client
from tasks.registries.models import (
    PackageRecord,
    RegistryClient,
    RegistryError,
    UnknownPackage,
    normalise_name,
)
from tasks.registries.npm import NpmClient
from tasks.registries.pypi import PyPIClient
from warehouse.io.http_cache import HttpCache
from warehouse.io.registry_store import EdgeRow, PackageRow, RegistryStore

# What fetching one package usually costs: PyPI the project page, the metadata file and the
# JSON API; crates the crate and its dependencies; Go @latest and the go.mod; npm one document.
REQUESTS_PER_PACKAGE = {"pypi": 3, "npm": 1, "cargo": 2, "golang": 2}
CLIENTS = {"pypi": PyPIClient, "npm": NpmClient, "cargo": CratesClient, "golang": GoProxyClient}


class RegistryTarget(BaseModel):
    """Where one ecosystem's registry is, and the dependents service if any."""

    ecosystem: str  # purl type
    base_url: str  # without credentials (registry_endpoints.public_url)
    dependents_url: str | None = None
    crates_setting: str | None = None  # where the crawl's credentials are looked up again
    go_setting: str | None = None


class FetchOutcome(BaseModel):
    name: str
    landed: bool
    edges: int = 0
    unknown: bool = False
    error: str | None = None
    usage: Usage = Usage()


@task(name="registry-rate-limit", cache_policy=NO_CACHE)
def ensure_registry_rate_limit(requests_per_s: float, name: str) -> str | None:
    """Create (or update) the registry's global rate limit; None without a Prefect API (the
    crawl then runs unpaced and says so in the log).

    A token bucket of one second's requests (slots = the rate, at least one package's
    requests, decaying at the rate): the rate holds over any second, and a package's requests
    are reserved in one call (a one-slot limit acquired per request held 10/s to about 2.3
    requests/s here: each acquisition is a round trip to the Prefect API)."""
    slots = max(round(requests_per_s), max(REQUESTS_PER_PACKAGE.values()) + 1)
    return upsert_rate_limit(name, requests_per_s, slots, "registry")


class _WriteBehind:
    """The HTTP cache as one package's fetch sees it: reads go to the warehouse (a short
    connection each), writes wait here until `flush`, after the last request."""

    def __init__(self, cache: HttpCache) -> None:
        self.cache = cache
        self.pending: dict[str, tuple[str | None, str | None, Any]] = {}

    def get(self, url: str) -> tuple[str | None, str | None, Any] | None:
        return self.pending.get(url) or self.cache.get(url)

    def put(self, url: str, etag: str | None, last_modified: str | None, body: Any) -> None:
        self.pending[url] = (etag, last_modified, body)

    def flush(self) -> None:
        for url, (etag, modified, body) in self.pending.items():
            self.cache.put(url, etag, modified, body)
        self.pending.clear()


@functools.lru_cache(maxsize=16)
def _auth(ecosystem: str, base_url: str, crates: str | None, go: str | None) -> RegistryAuth | None:
    """The registry's credentials from the user's tool configuration, once per process
    (finding pip's configuration starts a process)."""
    return credentials_for(ecosystem, base_url, crates, go)


def client_for(target: RegistryTarget, http: RegistryHttp) -> RegistryClient:
    return CLIENTS[target.ecosystem](target.base_url, http)


def rows_for(record: PackageRecord, target: RegistryTarget, dependents) -> tuple:
    package = PackageRow(
        ecosystem=record.ecosystem,
        name=record.name,
        version=record.version,
        summary=record.summary,
        license=record.license,
        repository_url=record.repository_url or (dependents and dependents.repository_url),
        homepage=record.homepage,
        dependent_packages=dependents.dependent_packages if dependents else None,
        dependent_repos=dependents.dependent_repos if dependents else None,
        dependents_source=SOURCE
        if dependents and dependents.dependent_packages is not None
        else None,
        registry_url=target.base_url,
    )
    edges = {}
    for dep in record.dependencies:
        edge = EdgeRow(
            ecosystem=record.ecosystem,
            name=record.name,
            target_name=normalise_name(record.ecosystem, dep.name),
            dependency_kind=dep.kind,
            extra=dep.extra,
            version_constraint=dep.constraint,
            marker=dep.marker or None,
        )
        edges[(edge.target_name, edge.dependency_kind, edge.extra, edge.version_constraint)] = edge
    return package, list(edges.values())


@task(name="registry-fetch-package", cache_policy=NO_CACHE, retries=0)
def fetch_package(
    db_path: Path,
    crawl_id: str,
    target: RegistryTarget,
    name: str,
    depth: int,
    max_depth: int,
    follow: list[str],
    timing: RegistryTiming,
) -> FetchOutcome:
    """Fetch, land and queue one package; its dependencies of the `follow` kinds are queued
    while `depth < max_depth`."""
    registry_store = RegistryStore(db_path)
    cache = _WriteBehind(HttpCache(db_path))
    auth = _auth(target.ecosystem, target.base_url, target.crates_setting, target.go_setting)
    with http_client(timing, auth) as client:
        http = RegistryHttp(target.ecosystem, client, cache, timing)
        http.reserve(REQUESTS_PER_PACKAGE[target.ecosystem] + bool(target.dependents_url))
        try:
            record = client_for(target, http).package(name)
            dependents = None
            if target.dependents_url:
                try:
                    dependents = EcosystemsDependents(target.dependents_url, http).dependents(
                        target.ecosystem, record.name
                    )
                except RegistryError:
                    dependents = None  # the counts are extra; the package still lands
        except Exception as error:  # one unreadable package never stops the crawl
            message = str(error)
            if not isinstance(error, RegistryError):
                message = f"{target.ecosystem}: {name}: unexpected answer ({error!r})"[:2000]
            with registry_store.held():
                cache.flush()
                registry_store.fail(crawl_id, target.ecosystem, name, message)
            unknown = isinstance(error, UnknownPackage)
            return FetchOutcome(name=name, landed=False, unknown=unknown, error=message,
                                usage=http.usage)  # fmt: skip
        package, edges = rows_for(record, target, dependents)
        children = [e.target_name for e in edges if e.dependency_kind in follow]
    with registry_store.held():  # the network is done: one connection for every write
        cache.flush()
        registry_store.land(crawl_id, package, edges, children if depth < max_depth else [], depth)
    return FetchOutcome(name=name, landed=True, edges=len(edges), usage=http.usage)
