"""The registry crawl's seeds: package names given on the command line, or a lockfile's."""

from __future__ import annotations

from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from tasks.local.lockfiles import parse_lockfile
from tasks.registries.models import normalise_name


@task(name="registry-seeds", cache_policy=NO_CACHE)
def read_seeds(
    ecosystem: str, packages: list[str], lockfile: Path | None
) -> tuple[list[str], list[str]]:
    """Normalised, deduplicated seed names, and what the lockfile held that was left out (git,
    path and URL sources, and packages of another ecosystem). The lockfile is read as the crawl
    starts, never from a cache."""
    names = [normalise_name(ecosystem, p) for p in packages if p.strip()]
    skipped: list[str] = []
    if lockfile is not None:
        parsed = parse_lockfile(lockfile)
        skipped += parsed.skipped
        for locked in parsed.packages:
            if locked.ecosystem == ecosystem:
                names.append(normalise_name(ecosystem, locked.name))
            else:
                skipped.append(f"{locked.ecosystem}:{locked.name} (not {ecosystem})")
    return list(dict.fromkeys(names)), skipped
