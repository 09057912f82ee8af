"""Package registries behind one interface: a client per ecosystem answers `package(name)`
with a PackageRecord (latest version, summary, license, links, dependency edges).

The clients (registry_pypi.py, registry_npm.py, registry_crates.py, registry_go.py) share the
HTTP plumbing of registry_http.py: conditional GETs, bounded retries, a per-registry rate
limit, and `UnknownPackage` for a 404 of a package's first document, so a crawl records
the miss and goes on.
"""

from __future__ import annotations

from typing import Literal, Protocol

from packaging.utils import canonicalize_name
from pydantic import BaseModel, ConfigDict

DependencyKind = Literal["runtime", "dev", "optional", "peer", "build", "indirect"]

# CLI names -> purl types, which package ids use (pkg:<type>/<name>, see macros/package_id.sql)
ECOSYSTEMS: dict[str, str] = {"pypi": "pypi", "npm": "npm", "crates": "cargo", "go": "golang"}


class RegistryError(Exception):
    """A registry could not be read (after retries), or answered something unreadable."""


class NotFound(RegistryError):
    """A document the registry should have is missing (HTTP 404): an error of a package that
    exists, such as its metadata file or its go.mod."""


class UnknownPackage(NotFound):
    """The registry has no such package (HTTP 404 on the package's own first document)."""


class RegistryNotConfigured(RegistryError):
    """No base URL for a registry that has no configured default (crates, Go, dependents)."""


class Dependency(BaseModel):
    """One declared dependency of a package's latest version."""

    model_config = ConfigDict(frozen=True)

    name: str
    kind: DependencyKind = "runtime"
    constraint: str = ""
    extra: str = ""  # the extra (PyPI) that pulls it in; "" when unconditional
    marker: str = ""  # the environment marker as written, if any


class PackageRecord(BaseModel):
    """A package as its registry describes its latest version."""

    ecosystem: str  # purl type: pypi, npm, cargo, golang
    name: str  # normalised (see normalise_name)
    version: str
    summary: str | None = None
    license: str | None = None
    repository_url: str | None = None
    homepage: str | None = None
    dependencies: list[Dependency] = []


class Dependents(BaseModel):
    """What a dependents service knows of a package."""

    dependent_packages: int | None = None
    dependent_repos: int | None = None
    repository_url: str | None = None


class RegistryClient(Protocol):
    """One ecosystem's registry."""

    ecosystem: str

    def package(self, name: str) -> PackageRecord:
        """The latest version's record; UnknownPackage when the registry has none."""
        ...


class DependentsClient(Protocol):
    """A service that counts a package's dependents (deps.dev, ecosyste.ms)."""

    def dependents(self, ecosystem: str, name: str) -> Dependents: ...


def normalise_name(ecosystem: str, name: str) -> str:
    """The name package ids use: PEP 503 for PyPI, lower case for crates (their registry
    treats case as equal), as written for npm and Go (case matters there)."""
    name = name.strip()
    if ecosystem == "pypi":
        return canonicalize_name(name)
    if ecosystem == "cargo":
        return name.lower()
    return name
