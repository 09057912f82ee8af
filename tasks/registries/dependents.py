"""Dependents counts and package -> repository links from the ecosyste.ms packages API, when
its base URL is configured (`registries.dependents_url`, off by default): `GET
<base>/packages/lookup?purl=pkg:<type>/<name>` answers a list of package records carrying
`dependent_packages_count`, `dependent_repos_count` and `repository_url`. Without it the
dependents are computed from the crawled graph."""

from __future__ import annotations

from urllib.parse import quote

from tasks.registries.http import RegistryHttp
from tasks.registries.models import Dependents, NotFound

SOURCE = "ecosyste.ms"


def lookup_url(base_url: str, ecosystem: str, name: str) -> str:
    purl = f"pkg:{ecosystem}/{name}"
    return f"{base_url.rstrip('/')}/packages/lookup?purl={quote(purl, safe='')}"


class EcosystemsDependents:
    """The ecosyste.ms packages API (a DependentsClient)."""

    def __init__(self, base_url: str, http: RegistryHttp) -> None:
        self.base_url, self.http = base_url, http

    def dependents(self, ecosystem: str, name: str) -> Dependents:
        try:
            found = self.http.get_json(lookup_url(self.base_url, ecosystem, name), name)
        except NotFound:
            return Dependents()
        records = found if isinstance(found, list) else [found]
        if not records or not isinstance(records[0], dict):
            return Dependents()
        best = max(records, key=lambda r: r.get("dependent_packages_count") or 0)
        return Dependents(
            dependent_packages=best.get("dependent_packages_count"),
            dependent_repos=best.get("dependent_repos_count"),
            repository_url=best.get("repository_url"),
        )
