"""Synthetic sources and ledger history for bench/app.py, landed through warehouse.io.store.land.

Repositories with manifests and 3-5 declared dependencies each on a Zipf-popular package pool
(about a third publish a package, so repositories depend on each other), an installed
environment whose distributions require more popular ones, issues spread over the repositories
by Zipf popularity, and a ledger of daily pipeline runs, campaigns and LLM fix runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

CHUNK = 100_000  # rows per store.land call
SIZE_ARGS = ("repos", "issues", "seed", "environment", "campaigns", "campaign_repos")
MARTS = ["dim_repos", "dim_packages", "fct_dependency_edges", "fct_repo_scores", "fct_priority",
         "fct_issues"]  # fmt: skip
# primary language, share of repositories, ecosystem, manifest
LANGUAGES = [
    ("Python", 0.40, "pypi", "pyproject.toml"),
    ("JavaScript", 0.20, "npm", "package.json"),
    ("TypeScript", 0.15, "npm", "package.json"),
    ("Go", 0.13, "golang", "go.mod"),
    ("Rust", 0.12, "cargo", "Cargo.toml"),
]
WORDS = ["fast", "tiny", "net", "http", "json", "yaml", "data", "async", "cloud", "auth", "log",
         "cache", "queue", "stream", "graph", "vector", "parse", "core", "kit", "flow", "sync",
         "proto", "mesh", "grid", "lens"]  # fmt: skip
# labels, title template, share of issues
ISSUE_KINDS = [
    ([], "Question about {w}", 0.15),
    (["bug"], "Crash when {w} is empty", 0.33),
    (["security"], "Token leaks through {w}", 0.03),
    (["enhancement"], "Support streaming {w}", 0.2),
    (["documentation"], "Document the {w} options", 0.1),
    (["bug", "good first issue"], "Wrong {w} on Windows", 0.09),
    (["feature"], "Add a {w} hook", 0.1),
]
ASSOCIATIONS = ["NONE", "CONTRIBUTOR", "MEMBER", "OWNER", "FIRST_TIME_CONTRIBUTOR"]


# --- synthetic sources, landed through warehouse.io.store.land ----------------------------------


def zipf_ranks(rng: np.random.Generator, size: int, pool: int) -> np.ndarray:
    """Ranks in [0, pool) with P(r) ~ 1/(r+1): a few are chosen very often, most rarely."""
    ranks = np.exp(rng.random(size) * np.log(pool + 1)) - 1
    return np.clip(ranks.astype(np.int64), 0, pool - 1)


def stamp(now: datetime, days_ago: np.ndarray) -> list[datetime]:
    return [now - timedelta(days=float(d)) for d in days_ago]


class Synthetic:
    """Seeded synthetic sources: what the crawlers would land for a large organisation."""

    def __init__(self, repos: int, issues: int, environment: int, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.now = datetime.now(UTC).replace(microsecond=0)
        self.n, self.issues, self.environment = repos, issues, environment
        rng, n = self.rng, repos
        self.lang = rng.choice(len(LANGUAGES), n, p=[share for _, share, _, _ in LANGUAGES])
        words = rng.integers(0, len(WORDS), (n, 2))
        self.names = [
            f"{WORDS[a].capitalize()}{WORDS[b].capitalize()}-{i}" for i, (a, b) in enumerate(words)
        ]
        owners = zipf_ranks(rng, n, max(1, n // 8))
        self.full_names = [f"Org{o}/{name}" for o, name in zip(owners, self.names, strict=True)]
        self.repo_ids = [f"github:{full.lower()}" for full in self.full_names]
        publishes = rng.random(n) < 0.33
        self.package = [
            name.lower() if p else None for name, p in zip(self.names, publishes, strict=True)
        ]

    def ecosystem(self, i: int) -> str:
        return LANGUAGES[self.lang[i]][2]

    # repositories and their manifests ---------------------------------------------------------

    def repo_rows(self) -> list[dict[str, Any]]:
        rng, n, now = self.rng, self.n, self.now
        stale = rng.random(n) < 0.15
        idle_days = rng.exponential(60, n) + stale * rng.uniform(365, 1500, n)
        age_days = idle_days + rng.lognormal(6.5, 0.8, n)
        total = rng.lognormal(5, 1.5, n).astype(np.int64) + 1
        year = np.where(idle_days > 365, 0, (total * rng.uniform(0.05, 0.5, n)).astype(np.int64))
        quarter = np.where(idle_days > 90, 0, (year * rng.uniform(0.1, 0.5, n)).astype(np.int64))
        authors_year = np.where(year > 0, 1 + rng.poisson(np.minimum(year / 15, 40)), 0)
        authors_quarter = np.minimum(authors_year, np.where(quarter > 0, 1 + quarter // 10, 0))
        files = rng.lognormal(4, 1.2, n).astype(np.int64) + 1
        loc = files * rng.lognormal(4.5, 0.6, n).astype(np.int64)
        tests, ci, tags = rng.random(n) < 0.7, rng.random(n) < 0.6, rng.poisson(6, n)
        tags = np.where(rng.random(n) < 0.3, 0, tags)
        last, first = stamp(now, idle_days), stamp(now, age_days)
        rows = []
        for i in range(n):
            language, _, ecosystem, _ = LANGUAGES[self.lang[i]]
            published = self.package[i]
            rows.append(
                {
                    "repo_id": self.repo_ids[i],
                    "name": self.names[i],
                    "path": f"/srv/src/{self.full_names[i]}",
                    "remote_url": f"https://github.com/{self.full_names[i]}.git",
                    "package_name": published,
                    "package_ecosystem": ecosystem if published else None,
                    "languages": {language: int(files[i] * 0.8) + 1, "Shell": int(files[i] % 5)},
                    "primary_language": language,
                    "file_count": int(files[i]),
                    "loc": int(loc[i]),
                    "has_tests": bool(tests[i]),
                    "has_ci": bool(ci[i]),
                    "ci_systems": ["github-actions"] if ci[i] else [],
                    "commits_90d": int(quarter[i]),
                    "commits_365d": int(year[i]),
                    "commits_total": int(total[i]),
                    "authors_90d": int(authors_quarter[i]),
                    "authors_365d": int(authors_year[i]),
                    "first_commit_at": first[i],
                    "last_commit_at": last[i],
                    "tag_count": int(tags[i]),
                    "latest_tag": f"v{tags[i] // 10}.{tags[i] % 10}.0" if tags[i] else None,
                    "head_sha": self.rng.bytes(20).hex(),
                    "as_of": now,
                    "crawled_at": now,
                }
            )
        return rows

    def package_pools(self) -> dict[str, list[str]]:
        """Per ecosystem, package names from most to least popular: the published packages of
        the repositories and as many outside ones, the outside ones more often near the top."""
        pools = {}
        for ecosystem in sorted({e for _, _, e, _ in LANGUAGES}):
            published = [
                p for i, p in enumerate(self.package) if p and self.ecosystem(i) == ecosystem
            ]
            outside = [f"{WORDS[j % len(WORDS)]}-lib{j}" for j in range(max(50, len(published)))]
            names = np.array(outside + published, dtype=object)
            score = np.concatenate(
                [self.rng.random(len(outside)) * 0.5, self.rng.random(len(published))]
            )
            pools[ecosystem] = list(names[np.argsort(score, kind="stable")])
        return pools

    def dependency_rows(self, pools: dict[str, list[str]]) -> tuple[list[dict], list[dict]]:
        """One manifest per repository declaring 3-5 dependencies on Zipf-popular packages."""
        rng, manifests, dependencies = self.rng, [], []
        counts = rng.integers(3, 6, self.n)
        kinds = rng.choice(["runtime", "dev", "optional"], counts.sum(), p=[0.7, 0.2, 0.1])
        cursor = 0
        for i in range(self.n):
            _, _, ecosystem, manifest = LANGUAGES[self.lang[i]]
            pool = pools[ecosystem]
            ranks = zipf_ranks(rng, int(counts[i]), len(pool))
            seen = {self.package[i]}
            for rank in ranks:
                name, kind = pool[rank], kinds[cursor]
                cursor += 1
                if name in seen:
                    continue
                seen.add(name)
                dependencies.append(
                    {
                        "repo_id": self.repo_ids[i],
                        "manifest_path": manifest,
                        "ecosystem": ecosystem,
                        "name": name,
                        "dependency_kind": kind,
                        "extra": "test" if kind == "optional" else "",
                        "version_constraint": f">={rank % 7}.{rank % 13}",
                    }
                )
            manifests.append(
                {
                    "repo_id": self.repo_ids[i],
                    "path": manifest,
                    "manifest_kind": manifest,
                    "ecosystem": ecosystem,
                    "parsed": True,
                    "dependency_count": len(seen) - 1,
                }
            )
        return manifests, dependencies

    def environment_rows(self, pools: dict[str, list[str]]) -> tuple[list[dict], list[dict]]:
        """An installed environment of the most popular PyPI packages; each requires 0-6 more
        popular ones, so the package graph has depth, as PyPI's does."""
        rng, env = self.rng, "/srv/venvs/platform"
        installed = pools["pypi"][: self.environment]
        remote = {
            p: f"https://github.com/{f}"
            for p, f in zip(self.package, self.full_names, strict=True)
            if p
        }
        distributions, requirements = [], []
        for rank, name in enumerate(installed):
            url = remote.get(name, f"https://github.com/outside/{name}")
            distributions.append(
                {
                    "environment": env,
                    "name": name,
                    "version": f"{rank % 5}.{rank % 17}.{rank % 3}",
                    "summary": f"{name}: a synthetic package",
                    "home_page": url,
                    "repository_url": url,
                    "project_urls": {"Source": url},
                    "license": ["MIT", "Apache-2.0", "BSD-3-Clause"][rank % 3],
                    "crawled_at": self.now,
                }
            )
            if rank == 0:
                continue
            for target in sorted(set(zipf_ranks(rng, int(rng.integers(0, 7)), rank).tolist())):
                requirements.append(
                    {
                        "environment": env,
                        "name": name,
                        "target_name": installed[target],
                        "dependency_kind": "runtime" if target % 5 else "optional",
                        "extra": "" if target % 5 else "extras",
                        "version_constraint": f">={target % 4}.0",
                    }
                )
        return distributions, requirements

    # GitHub issues ----------------------------------------------------------------------------

    def issue_chunks(self, size: int) -> Iterator[list[dict[str, Any]]]:
        """The issues, spread over repositories by Zipf popularity, `size` rows at a time."""
        rng, m, now = self.rng, self.issues, self.now
        repo = rng.permutation(self.n)[zipf_ranks(rng, m, self.n)]
        order = np.argsort(repo, kind="stable")
        repo = repo[order]
        starts = np.r_[0, np.flatnonzero(np.diff(repo)) + 1]
        number = np.arange(m) - np.repeat(starts, np.diff(np.r_[starts, m])) + 1
        kind = rng.choice(len(ISSUE_KINDS), m, p=[share for _, _, share in ISSUE_KINDS])
        word = rng.integers(0, len(WORDS), m)
        age = np.minimum(rng.exponential(300, m), 3000)
        closed = rng.random(m) < 0.6
        open_days = np.minimum(rng.exponential(30, m), age)
        updated = age - rng.random(m) * np.where(closed, open_days, age)
        reactions, comments = rng.geometric(0.4, m) - 1, rng.geometric(0.25, m) - 1
        association = rng.integers(0, len(ASSOCIATIONS), m)
        linked = (rng.random(m) < 0.15).astype(np.int64)
        for begin in range(0, m, size):
            rows = []
            for j in range(begin, min(begin + size, m)):
                full, labels, title = self.full_names[repo[j]], *ISSUE_KINDS[kind[j]][:2]
                rows.append(
                    {
                        "issue_id": f"I_{repo[j]:x}_{number[j]}",
                        "repo_full_name": full,
                        "number": int(number[j]),
                        "title": title.format(w=WORDS[word[j]]),
                        "body": None,
                        "state": "CLOSED" if closed[j] else "OPEN",
                        "labels": labels,
                        "reactions": int(reactions[j]),
                        "comments": int(comments[j]),
                        "author_association": ASSOCIATIONS[association[j]],
                        "linked_pull_requests": int(linked[j]),
                        "linked_pulls": None,
                        "url": f"https://github.com/{full}/issues/{number[j]}",
                        "created_at": now - timedelta(days=float(age[j])),
                        "updated_at": now - timedelta(days=float(updated[j])),
                        "closed_at": (
                            now - timedelta(days=float(age[j] - open_days[j]))
                            if closed[j]
                            else None
                        ),
                        "payload": None,
                        "fetched_at": now,
                    }
                )
            yield rows
