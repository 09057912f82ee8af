"""The installed Python environment as a source: distributions and their Requires-Dist edges.

This gives a real dependency graph with no network. Markers are evaluated for the running
interpreter; requirements behind an extra are kept as optional edges tagged with the extra.
"""

from __future__ import annotations

import re
import sys
from datetime import UTC, datetime
from importlib import metadata

from packaging.markers import UndefinedEnvironmentName
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from prefect import task
from pydantic import BaseModel

REPOSITORY_LABELS = ("source", "source code", "repository", "code", "github", "homepage")


class Distribution(BaseModel):
    environment: str
    name: str
    version: str
    summary: str | None
    home_page: str | None
    repository_url: str | None
    project_urls: dict[str, str]
    license: str | None
    crawled_at: datetime


class RequirementEdge(BaseModel):
    environment: str
    name: str
    target_name: str
    dependency_kind: str  # runtime | optional
    extra: str
    version_constraint: str


class EnvironmentSnapshot(BaseModel):
    environment: str
    distributions: list[Distribution]
    requirements: list[RequirementEdge]
    skipped: list[str]  # requirements that could not be parsed, with the reason


def _extras_of(requirement: Requirement) -> list[str]:
    """The extras a requirement's marker asks for; [] for an unconditional one."""
    if requirement.marker is None:
        return [""]
    markers = str(requirement.marker)
    if "extra" not in markers:
        return [""] if requirement.marker.evaluate() else []
    return [e for e in _named_extras(markers) if requirement.marker.evaluate({"extra": e})]


def _named_extras(markers: str) -> list[str]:
    return sorted(set(re.findall(r"extra\s*==\s*['\"]([^'\"]+)['\"]", markers)))


def _repository_url(urls: dict[str, str], home_page: str | None) -> str | None:
    by_label = {label.lower(): url for label, url in urls.items()}
    for label in REPOSITORY_LABELS:
        if label in by_label:
            return by_label[label]
    return home_page


@task(name="read-python-environment")
def read_environment(environment: str | None = None) -> EnvironmentSnapshot:
    """Every distribution of the running interpreter's environment and its requirement edges."""
    env_name = environment or sys.prefix
    now = datetime.now(UTC)
    dists: dict[str, Distribution] = {}
    edges: dict[tuple, RequirementEdge] = {}
    skipped: list[str] = []
    for dist in metadata.distributions():
        meta = dist.metadata
        if not meta or not meta.get("Name"):
            continue
        name = canonicalize_name(meta["Name"])
        if name in dists:
            continue  # the first on sys.path wins, as it does for imports
        urls = dict(
            (part.strip() for part in entry.split(",", 1))
            for entry in meta.get_all("Project-URL") or []
            if "," in entry
        )
        dists[name] = Distribution(
            environment=env_name,
            name=name,
            version=meta.get("Version") or "",
            summary=meta.get("Summary"),
            home_page=meta.get("Home-page"),
            repository_url=_repository_url(urls, meta.get("Home-page")),
            project_urls=urls,
            license=meta.get("License-Expression") or (meta.get("License") or "")[:200] or None,
            crawled_at=now,
        )
        for spec in dist.requires or []:
            try:
                requirement = Requirement(spec)
                extras = _extras_of(requirement)
            except (InvalidRequirement, UndefinedEnvironmentName) as error:
                skipped.append(f"{name}: {spec!r}: {error}")
                continue
            for extra in extras:
                edge = RequirementEdge(
                    environment=env_name,
                    name=name,
                    target_name=canonicalize_name(requirement.name),
                    dependency_kind="optional" if extra else "runtime",
                    extra=extra,
                    version_constraint=str(requirement.specifier),
                )
                edges[(edge.name, edge.target_name, extra, edge.version_constraint)] = edge
    return EnvironmentSnapshot(
        environment=env_name,
        distributions=sorted(dists.values(), key=lambda d: d.name),
        requirements=list(edges.values()),
        skipped=skipped,
    )
