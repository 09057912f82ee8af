"""Go modules through a module proxy (GOPROXY protocol): `<module>/@latest` names the latest
version, `<module>/@v/<version>.mod` is its go.mod, whose require lines are the edges
(`// indirect` ones kept as indirect)."""

from __future__ import annotations

import re

from tasks.local.manifests import ManifestError, parse_go_mod
from tasks.registries.http import RegistryHttp
from tasks.registries.models import Dependency, PackageRecord, RegistryError

# Hosts whose module paths are host/owner/name repositories (code hosts, not registries).
_CODE_HOSTS = re.compile(r"^((?:github\.com|gitlab\.com|bitbucket\.org)/[^/]+/[^/]+)")


def escape_path(module: str) -> str:
    """The proxy's case encoding: each upper-case letter becomes ! and its lower case."""
    return re.sub(r"[A-Z]", lambda m: "!" + m.group(0).lower(), module)


def repository_of(module: str) -> str | None:
    found = _CODE_HOSTS.match(module)
    return f"https://{found.group(1)}" if found else None


class GoProxyClient:
    ecosystem = "golang"

    def __init__(self, proxy_url: str, http: RegistryHttp) -> None:
        self.proxy, self.http = proxy_url.rstrip("/"), http

    def package(self, name: str) -> PackageRecord:
        base = f"{self.proxy}/{escape_path(name)}"
        latest = self.http.get_json(f"{base}/@latest", f"module {name}", first=True)
        version = (latest or {}).get("Version")
        if not version:
            raise RegistryError(f"go: the proxy names no latest version of {name}")
        text = self.http.get_text(f"{base}/@v/{escape_path(version)}.mod", f"{name} go.mod")
        try:
            parsed = parse_go_mod(text)
        except ManifestError as error:
            raise RegistryError(f"go: {name}@{version}: unreadable go.mod: {error}") from error
        deps = [
            Dependency(name=d.name, kind=d.dependency_kind, constraint=d.version_constraint)
            for d in parsed.dependencies
        ]
        return PackageRecord(
            ecosystem="golang",
            name=name,
            version=version,
            repository_url=repository_of(name),
            dependencies=deps,
        )
