"""crates (the crates registry API, or any registry serving it): the crate's newest stable
version, then that version's dependencies (normal, dev, build; optional ones marked)."""

from __future__ import annotations

from urllib.parse import quote

from tasks.registries.http import RegistryHttp
from tasks.registries.models import Dependency, PackageRecord, RegistryError, normalise_name

KINDS = {"normal": "runtime", "dev": "dev", "build": "build"}


def api_root(base_url: str) -> str:
    """The API root: `registries.crates_url` may name the site or its /api/v1."""
    base = base_url.rstrip("/")
    return base if base.endswith("/api/v1") else base + "/api/v1"


def dependencies_from(body: dict) -> list[Dependency]:
    deps: dict[tuple, Dependency] = {}
    for entry in body.get("dependencies") or []:
        kind = KINDS.get(entry.get("kind") or "normal", "runtime")
        if kind == "runtime" and entry.get("optional"):
            kind = "optional"
        dep = Dependency(name=entry["crate_id"], kind=kind, constraint=entry.get("req") or "")
        deps[(dep.name, dep.kind, dep.constraint)] = dep
    return list(deps.values())


class CratesClient:
    ecosystem = "cargo"

    def __init__(self, base_url: str, http: RegistryHttp) -> None:
        self.root, self.http = api_root(base_url), http

    def package(self, name: str) -> PackageRecord:
        crate_name = normalise_name("cargo", name)
        url = f"{self.root}/crates/{quote(crate_name, safe='')}"
        body = self.http.get_json(url, f"crate {crate_name}", first=True)
        crate = body.get("crate") or {}
        version = (
            crate.get("max_stable_version")
            or crate.get("newest_version")
            or crate.get("max_version")
        )
        if not version:
            raise RegistryError(f"crates: {crate_name} has no published version")
        license_ = next(
            (v.get("license") for v in body.get("versions") or [] if v.get("num") == version),
            None,
        )
        deps = self.http.get_json(f"{url}/{quote(version, safe='')}/dependencies", crate_name)
        return PackageRecord(
            ecosystem="cargo",
            name=crate_name,
            version=version,
            summary=crate.get("description"),
            license=license_,
            repository_url=crate.get("repository"),
            homepage=crate.get("homepage"),
            dependencies=dependencies_from(deps),
        )
