"""Lockfiles as crawl seeds, parsed without any network: requirements.txt (with `-r`
includes, comments, markers, hashes and continuations), poetry.lock, uv.lock and
package-lock.json (lockfileVersion 2/3 `packages`). Each gives (ecosystem, name, version).

A line or entry that does not parse is skipped with a reason (`Lockfile.skipped`), never
raised; a file that is not a lockfile at all raises LockfileError.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from pydantic import BaseModel


class LockfileError(ValueError):
    """The file cannot be read as the lockfile its name says it is."""


class LockedPackage(BaseModel):
    ecosystem: str  # purl type
    name: str
    version: str = ""  # "" when the file pins none (a loose requirement)


class Lockfile(BaseModel):
    kind: str
    packages: list[LockedPackage]
    skipped: list[str] = []


def _dedupe(packages: list[LockedPackage]) -> list[LockedPackage]:
    return list({(p.ecosystem, p.name, p.version): p for p in packages}.values())


def _logical_lines(text: str) -> list[str]:
    """Lines with backslash continuations joined and comments (` #...`, `#...`) dropped."""
    lines = []
    for raw in text.replace("\\\r\n", " ").replace("\\\n", " ").splitlines():
        line = raw.strip()
        if line.startswith("#"):
            continue
        line = line.split(" #", 1)[0].split("\t#", 1)[0].strip()
        if line:
            lines.append(line)
    return lines


def _include(line: str) -> str | None:
    """The file a `-r FILE` / `--requirement FILE` / `--requirement=FILE` line includes."""
    first, _, rest = line.partition(" ")
    if first in ("-r", "--requirement"):
        return rest.strip()
    if first.startswith("--requirement="):
        return first.split("=", 1)[1]
    if first.startswith("-r") and len(first) > 2:
        return first[2:]
    return None


def parse_requirements(path: Path, _seen: set[Path] | None = None) -> Lockfile:
    """requirements.txt, following `-r`/`--requirement` includes relative to the file."""
    seen = _seen if _seen is not None else set()
    path = path.resolve()
    if path in seen:
        return Lockfile(kind="requirements.txt", packages=[])  # an include cycle
    seen.add(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise LockfileError(f"{path}: {error}") from error
    packages, skipped = [], []
    for line in _logical_lines(text):
        target = _include(line)
        if target is not None:
            try:
                included = parse_requirements(path.parent / target, seen)
            except LockfileError as error:
                skipped.append(f"include {target!r}: {error}")
                continue
            packages += included.packages
            skipped += included.skipped
            continue
        if line.startswith("-") or "://" in line.split(";")[0] or line.startswith("."):
            continue  # options (-c, --hash, -e, --index-url) and URL or path installs
        spec = " ".join(t for t in line.split() if not t.startswith("--hash"))
        try:
            requirement = Requirement(spec)
        except InvalidRequirement as error:
            skipped.append(f"{line!r}: {error}")
            continue
        pinned = [s.version for s in requirement.specifier if s.operator in ("==", "===")]
        packages.append(
            LockedPackage(
                ecosystem="pypi",
                name=canonicalize_name(requirement.name),
                version=pinned[0] if pinned else "",
            )
        )
    return Lockfile(kind="requirements.txt", packages=_dedupe(packages), skipped=skipped)


# poetry.lock `[package.source]` types that are not a package index (`legacy` is one)
POETRY_NOT_AN_INDEX = frozenset({"git", "directory", "file", "url"})


def _toml_packages(path: Path, kind: str) -> Lockfile:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise LockfileError(f"{path}: not a readable {kind}: {error}") from error
    packages, skipped = [], []
    for entry in data.get("package") or []:
        if not isinstance(entry, dict) or not entry.get("name"):
            skipped.append(f"an entry without a name: {entry!r}"[:200])
            continue
        source = entry.get("source")
        if kind == "uv.lock" and isinstance(source, dict) and not source.get("registry"):
            continue  # the project itself, or a path/git/URL source: no registry package
        if (
            kind == "poetry.lock"
            and isinstance(source, dict)
            and source.get("type") in POETRY_NOT_AN_INDEX
        ):
            where = source.get("url") or source.get("reference") or ""
            skipped.append(f"{entry['name']}: a {source['type']} source {where}".strip()[:200])
            continue  # an index of the same name would be another package
        packages.append(
            LockedPackage(
                ecosystem="pypi",
                name=canonicalize_name(entry["name"]),
                version=str(entry.get("version") or ""),
            )
        )
    return Lockfile(kind=kind, packages=_dedupe(packages), skipped=skipped)


def parse_package_lock(path: Path) -> Lockfile:
    """package-lock.json v2/v3: `packages` keyed by node_modules path ("" is the project)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise LockfileError(f"{path}: not a readable package-lock.json: {error}") from error
    entries = data.get("packages") if isinstance(data, dict) else None
    if not isinstance(entries, dict):
        raise LockfileError(f"{path}: no `packages` (lockfileVersion 2 or 3 is needed)")
    packages, skipped = [], []
    for key, entry in entries.items():
        if not isinstance(entry, dict):
            skipped.append(f"{key}: not an object ({type(entry).__name__})"[:200])
            continue
        if not key or entry.get("link") or "node_modules/" not in key:
            continue  # the project itself, workspace links
        name = entry.get("name") or key.rsplit("node_modules/", 1)[1]
        if not entry.get("version"):
            skipped.append(f"{key}: no version")
            continue
        packages.append(LockedPackage(ecosystem="npm", name=name, version=entry["version"]))
    return Lockfile(kind="package-lock.json", packages=_dedupe(packages), skipped=skipped)


def parse_lockfile(path: Path) -> Lockfile:
    """Any supported lockfile, chosen by its file name."""
    name = path.name.lower()
    if name == "poetry.lock":
        return _toml_packages(path, "poetry.lock")
    if name == "uv.lock":
        return _toml_packages(path, "uv.lock")
    if name in ("package-lock.json", "npm-shrinkwrap.json"):
        return parse_package_lock(path)
    if name.endswith(".txt") or name.endswith(".in"):
        return parse_requirements(path)
    raise LockfileError(
        f"{path.name}: not a supported lockfile (requirements*.txt, poetry.lock, uv.lock, "
        "package-lock.json)"
    )
