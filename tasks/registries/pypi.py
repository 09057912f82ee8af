"""PyPI (or any PEP 503 index): the JSON Simple API (PEP 691) lists a project's files, and the
core-metadata file each wheel advertises (PEP 658/714: `<file url>.metadata`) gives its
Requires-Dist without downloading the wheel. Where the index also serves the per-project JSON
API (`<root>/pypi/<name>/json`), it supplies summary, URLs and license; a 404 there is fine.
"""

from __future__ import annotations

import re
from email.parser import HeaderParser
from urllib.parse import urljoin

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from tasks.local.manifests import DEV_EXTRAS
from tasks.local.python_env import REPOSITORY_LABELS
from tasks.registries.http import RegistryHttp
from tasks.registries.models import Dependency, NotFound, PackageRecord, RegistryError

SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"
_EXTRA = re.compile(r"extra\s*==\s*['\"]([^'\"]+)['\"]")


def json_api_root(index_url: str) -> str:
    """The root the per-project JSON API hangs from: the index URL without its /simple."""
    return re.sub(r"/simple/?$", "", index_url.rstrip("/") + "/").rstrip("/")


def _file_version(filename: str) -> Version | None:
    try:
        if filename.endswith(".whl"):
            return parse_wheel_filename(filename)[1]
        return parse_sdist_filename(filename)[1]
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        return None


def _has_metadata(entry: dict) -> bool:
    value = entry.get("core-metadata", entry.get("data-dist-info-metadata"))
    return bool(value)


def metadata_sha256(entry: dict) -> str | None:
    """The metadata file's sha256 the index states (PEP 714 key first), if any."""
    value = entry.get("core-metadata", entry.get("data-dist-info-metadata"))
    return value.get("sha256") if isinstance(value, dict) else None


def latest_file(files: list[dict]) -> tuple[Version, dict | None]:
    """The newest final version (a pre-release only when nothing else exists) among files not
    yanked, and the file whose metadata to read: a wheel with PEP 658 metadata first."""
    usable = [(v, f) for f in files if not f.get("yanked") and (v := _file_version(f["filename"]))]
    if not usable:
        raise RegistryError("the index lists no installable file")
    finals = [v for v, _ in usable if not v.is_prerelease] or [v for v, _ in usable]
    newest = max(finals)
    candidates = [f for v, f in usable if v == newest]
    candidates.sort(key=lambda f: (not _has_metadata(f), not f["filename"].endswith(".whl")))
    chosen = candidates[0] if _has_metadata(candidates[0]) else None
    return newest, chosen


def dependencies_of(requires: list[str]) -> tuple[list[Dependency], list[str]]:
    """Requires-Dist lines as edges: behind an extra they are optional (dev for extras named
    for development); other markers are kept as written. Also the lines that did not parse."""
    found: dict[tuple, Dependency] = {}
    bad: list[str] = []
    for line in requires:
        try:
            requirement = Requirement(line)
        except InvalidRequirement as error:
            bad.append(f"{line!r}: {error}")
            continue
        marker = str(requirement.marker) if requirement.marker else ""
        for extra in sorted(set(_EXTRA.findall(marker))) or [""]:
            kind = "runtime" if not extra else "dev" if extra in DEV_EXTRAS else "optional"
            dep = Dependency(
                name=requirement.name,
                kind=kind,
                constraint=str(requirement.specifier),
                extra=extra,
                marker=marker,
            )
            found[(dep.name.lower(), kind, extra, dep.constraint)] = dep
    return list(found.values()), bad


def repository_from(urls: dict[str, str], home_page: str | None) -> str | None:
    by_label = {label.strip().lower(): url for label, url in urls.items()}
    return next((by_label[label] for label in REPOSITORY_LABELS if label in by_label), home_page)


class PyPIClient:
    ecosystem = "pypi"

    def __init__(self, index_url: str, http: RegistryHttp) -> None:
        self.index_url, self.http = index_url.rstrip("/") + "/", http
        self.skipped: list[str] = []

    def package(self, name: str) -> PackageRecord:
        from tasks.registries.models import normalise_name

        normal = normalise_name("pypi", name)
        page_url = f"{self.index_url}{normal}/"
        page = self.http.get_json(page_url, f"project {normal}", accept=SIMPLE_JSON, first=True)
        version, chosen = latest_file(page.get("files") or [])
        meta: dict[str, list[str]] = {}
        if chosen is not None:
            url = urljoin(page_url, chosen["url"]) + ".metadata"
            text = self.http.get_text(url, normal, sha256=metadata_sha256(chosen))
            meta = parse_metadata(text)
        info = self._json_api(normal)
        requires = meta.get("requires-dist")
        if requires is None:
            requires = list(info.get("requires_dist") or [])
        deps, bad = dependencies_of(requires)
        self.skipped += [f"{normal}: {b}" for b in bad]
        urls = dict(info.get("project_urls") or {}) or _project_urls(meta)
        home = info.get("home_page") or _first(meta, "home-page")
        return PackageRecord(
            ecosystem="pypi",
            name=normal,
            version=str(version),
            summary=info.get("summary") or _first(meta, "summary"),
            license=(
                info.get("license_expression")
                or info.get("license")
                or _first(meta, "license-expression")
                or _first(meta, "license")
                or ""
            )[:200]
            or None,
            repository_url=repository_from(urls, home),
            homepage=home,
            dependencies=deps,
        )

    def _json_api(self, name: str) -> dict:
        url = f"{json_api_root(self.index_url)}/pypi/{name}/json"
        try:
            return self.http.get_json(url, f"project {name} (JSON API)").get("info") or {}
        except NotFound:
            return {}  # this index has no JSON API: the metadata file suffices


def parse_metadata(text: str) -> dict[str, list[str]]:
    """Core metadata (RFC 822 style) as lower-cased field -> values."""
    message = HeaderParser().parsestr(text)
    fields: dict[str, list[str]] = {}
    for key, value in message.items():
        fields.setdefault(key.lower(), []).append(str(value).strip())
    fields.setdefault("requires-dist", [])
    return fields


def _first(meta: dict[str, list[str]], key: str) -> str | None:
    values = meta.get(key) or []
    return values[0] if values else None


def _project_urls(meta: dict[str, list[str]]) -> dict[str, str]:
    pairs = (entry.split(",", 1) for entry in meta.get("project-url", []) if "," in entry)
    return {label.strip(): url.strip() for label, url in pairs}
