"""npm (or any registry speaking its protocol): the package document's `dist-tags.latest`
version with its dependencies, devDependencies, peerDependencies and optionalDependencies."""

from __future__ import annotations

from urllib.parse import quote

from tasks.registries.http import RegistryHttp
from tasks.registries.models import Dependency, PackageRecord, RegistryError

SECTIONS = {
    "dependencies": "runtime",
    "devDependencies": "dev",
    "peerDependencies": "peer",
    "optionalDependencies": "optional",
}


def document_url(registry: str, name: str) -> str:
    """A scoped name keeps its @ and escapes its slash (@scope%2fname), as npm sends it."""
    return f"{registry.rstrip('/')}/{quote(name, safe='@')}"


def _text(value: object, key: str) -> str | None:
    """A field npm allows as a string or an object ({"url": ...}, {"type": ...})."""
    if isinstance(value, dict):
        value = value.get(key)
    return str(value) if value else None


def record_from(document: dict, name: str) -> PackageRecord:
    """The latest version's record from a package document."""
    latest = (document.get("dist-tags") or {}).get("latest")
    versions = document.get("versions") or {}
    if not latest or latest not in versions:
        raise RegistryError(f"npm: {name} has no latest version in its document")
    manifest = versions[latest]
    deps: dict[tuple[str, str], Dependency] = {}
    for section, kind in SECTIONS.items():
        for dep_name, spec in (manifest.get(section) or {}).items():
            if kind == "runtime" and dep_name in (manifest.get("optionalDependencies") or {}):
                continue  # npm lists optional ones in dependencies too
            deps[(dep_name, kind)] = Dependency(name=dep_name, kind=kind, constraint=str(spec))
    return PackageRecord(
        ecosystem="npm",
        name=name,
        version=latest,
        summary=manifest.get("description") or document.get("description"),
        license=_text(manifest.get("license") or document.get("license"), "type"),
        repository_url=_text(manifest.get("repository") or document.get("repository"), "url"),
        homepage=manifest.get("homepage") or document.get("homepage"),
        dependencies=list(deps.values()),
    )


class NpmClient:
    ecosystem = "npm"

    def __init__(self, registry_url: str, http: RegistryHttp) -> None:
        self.registry_url, self.http = registry_url, http

    def package(self, name: str) -> PackageRecord:
        document = self.http.get_json(
            document_url(self.registry_url, name), f"package {name}", first=True
        )
        return record_from(document, name)
