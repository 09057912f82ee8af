"""GitHub as a source: one issue by its URL (REST, for `globallm fix --issue-url`), and the
Prefect tasks of the GitHub crawl: discovery, health signals and issues over GraphQL
(github_discovery.py, github_health.py, github_issues.py through github_graphql.py), landed
with checkpoints by warehouse/io/github_store.py.

Every task that sends GitHub requests carries the `github` tag (an operator may put a Prefect
tag concurrency limit on it); the request rate itself is the `github-requests` global limit.
Tasks read the token from the environment (`token_from_env`), never as a parameter Prefect
would record; everything else reaches them as values: the endpoint (`GitHubEndpoint`, from the
settings through the entrypoint) and the selection facts (dependents as the last build scored
them).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel

from tasks.github.discovery import day_of, discover, passes_filter
from tasks.github.graphql import GitHubTiming, GraphQLClient, Usage
from tasks.github.health import fetch_closed, fetch_health
from tasks.github.http import (
    GitHubConfig,
    GitHubEndpoint,
    GitHubError,
    client_for,
    http_get,
    read_json,
    repo_url,
)
from tasks.github.issues import changed_since, fetch_issues
from tasks.github.rest import RestReader
from tasks.llm.fix import IssueSpec
from warehouse.io.github_store import GitHubStore
from warehouse.io.http_cache import HttpCache

GITHUB_TAG = "github"

ISSUE_URL = re.compile(
    r"^https?://[^/]+/(?P<owner>[^/]+)/(?P<repo>[^/]+)/issues/(?P<number>\d+)/?$"
)


def parse_issue_url(url: str) -> tuple[str, str, int]:
    """(owner, repo, number) of an issue's web URL; ValueError for anything else."""
    match = ISSUE_URL.match(url.strip())
    if match is None:
        raise ValueError(f"not an issue URL (https://HOST/OWNER/REPO/issues/N): {url!r}")
    return match["owner"], match["repo"], int(match["number"])


def _title_body(data: dict) -> tuple[str, str]:
    return data["title"], data.get("body") or ""


@task(name="github-fetch-issue", tags=[GITHUB_TAG])
def fetch_issue(
    url: str, db_path: Path | None = None, endpoint: GitHubEndpoint | None = None
) -> IssueSpec:
    """The issue's title and body, read through the API (retried like every GitHub read);
    with `db_path`, conditionally (an unchanged issue is a free 304 answered from the cache).

    The token comes from the environment here, never as a parameter Prefect would record.
    """
    config = GitHubConfig.for_endpoint(endpoint)
    if config is None:
        raise GitHubError("reading the issue from GitHub needs GITHUB_TOKEN")
    owner, repo, number = parse_issue_url(url)
    what = f"issue {owner}/{repo}#{number}"
    issue_url = f"{repo_url(config, owner, repo)}/issues/{number}"
    with client_for(config) as client:
        if db_path is None:
            response = http_get(client, config, issue_url, what)
            body = read_json(response, config, what, lambda d: d)
        else:
            body, _ = RestReader(client, config, HttpCache(db_path)).get(issue_url, what)
        data = read_json(httpx.Response(200, json=body), config, what, _title_body)
    if not data[0]:
        raise GitHubError(f"GitHub {what}: no title in the answer")
    return IssueSpec(url=url, title=data[0], body=data[1])


# --- the GitHub source: discovery, health signals and issues (Prefect tasks) ------------------


class GitHubCrawl(BaseModel):
    """What one GitHub task did and what it cost."""

    repositories: int = 0
    issues: int = 0
    failed: int = 0
    usage: Usage = Usage()


@task(name="github-dependents", cache_policy=NO_CACHE)
def repo_dependents(db_path: Path) -> dict[str, int]:
    """Dependents per GitHub repository (full_name, lower case) as the last build scored them,
    for the selection rule; empty before a build. Reads the warehouse only (no `github` tag)."""
    return GitHubStore(db_path).dependents()


def _selected(
    store: GitHubStore,
    min_stars: int,
    older_than_h: float,
    min_dependents: int | None,
    dependents: dict[str, int] | None,
) -> list[tuple[str, str]]:
    """Known repositories passing stars > min_stars OR dependents > min_dependents."""
    floor = min_dependents if min_dependents is not None else 2**62
    deps = dependents or {}
    return [
        (name, node)
        for name, node, stars in store.known_repositories(older_than_h)
        if passes_filter(stars, deps.get(name.lower(), 0), min_stars, floor)
    ]


def _client(timing: GitHubTiming, endpoint: GitHubEndpoint | None) -> GraphQLClient:
    config = GitHubConfig.for_endpoint(endpoint)
    if config is None:
        raise GitHubError("the GitHub source needs GITHUB_TOKEN")
    return GraphQLClient(config, timing)


@task(name="github-discover", tags=[GITHUB_TAG], cache_policy=NO_CACHE)
def discover_repositories(
    db_path: Path,
    languages: list[str],
    min_stars: int,
    limit: int | None = None,
    incremental: bool = True,
    timing: GitHubTiming | None = None,
    full_after_days: float = 7.0,
    today: datetime | None = None,
    endpoint: GitHubEndpoint | None = None,
) -> GitHubCrawl:
    """Search each language above `min_stars` with health fields, landing page by page; with
    `incremental` and a previous complete discovery, only repositories pushed since then. A
    full discovery runs again after `full_after_days` (a repository can cross the star
    threshold without a push). Date-split ranges are planned from `today` (default: the
    current UTC day), or from the day an unfinished discovery was planned, which it resumes."""
    store = GitHubStore(db_path)
    started = datetime.now(UTC)
    plan = f"{','.join(sorted(languages))}:{min_stars}:{limit}"
    today = store.plan_day(plan, day_of(today or started))
    last = store.discovered_at(languages, min_stars) if incremental and limit is None else None
    last_full = store.discovered_at(languages, min_stars, "discover-full")
    if last_full is None or started - last_full > timedelta(days=full_after_days):
        last = None
    pushed_after = last.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if last else None
    failures: list[str] = []
    found: list[str] = []  # names landed this run: their closed-issue counts come after

    def failed(scope: str, error: str) -> None:
        failures.append(scope)
        store.fail([scope], error)

    def save(scope: str, cursor: str | None, done: bool, rows: list[dict]) -> None:
        store.save_page(scope, cursor, done, rows)
        found.extend(row["full_name"] for row in rows)

    with _client(timing or GitHubTiming(), endpoint) as client:
        landed = discover(
            client, languages, min_stars, store.load, save, failed, limit, pushed_after, today=today
        )
        # what this run found, and any row still without a count (e.g. the pages a killed
        # run landed, which a resume skips): discovery rows never overwrite a stored count
        wanted = list(dict.fromkeys(found + store.closed_unknown()))
        fetch_closed(client, wanted, started, store.save_closed)
    if not failures:
        if limit is None:
            store.finish_discovery(languages, min_stars, started, pushed_after is None, plan)
        else:
            store.finish_discovery([], min_stars, started, False, plan)
    return GitHubCrawl(repositories=landed, failed=len(failures), usage=client.usage)


@task(name="github-health", tags=[GITHUB_TAG], cache_policy=NO_CACHE)
def refresh_health(
    db_path: Path,
    min_stars: int,
    max_age_h: float = 0.0,
    timing: GitHubTiming | None = None,
    min_dependents: int | None = None,
    dependents: dict[str, int] | None = None,
    endpoint: GitHubEndpoint | None = None,
) -> GitHubCrawl:
    """Health signals of the GitHub repositories already known (stars > min_stars OR
    dependents > min_dependents, `dependents` by lower-case full_name) and not read for
    `max_age_h` hours (discovery reads them too), 100 per request. An id GitHub no longer
    knows is recorded as a `repo:` failure; the rest of its batch lands."""
    store = GitHubStore(db_path)
    known = _selected(store, min_stars, max_age_h, min_dependents, dependents)
    with _client(timing or GitHubTiming(), endpoint) as client:
        rows, failures = fetch_health(client, known, datetime.now(UTC), on_batch=store.save_repos)
    for name, error in failures.items():
        store.fail([f"repo:{name}"], error)
    return GitHubCrawl(repositories=len(rows), failed=len(failures), usage=client.usage)


@task(name="github-issues", tags=[GITHUB_TAG], cache_policy=NO_CACHE)
def crawl_issues(
    db_path: Path,
    repositories: list[str] | None,
    max_issues: int,
    min_stars: int = 0,
    timing: GitHubTiming | None = None,
    min_dependents: int | None = None,
    dependents: dict[str, int] | None = None,
    endpoint: GitHubEndpoint | None = None,
) -> GitHubCrawl:
    """Issues of the named repositories (default: every known one passing the filter, and
    those that failed last time). One with a cursor is asked only what changed since; the
    rest read their open issues."""
    store = GitHubStore(db_path)
    if repositories is None:
        known = _selected(store, min_stars, 0.0, min_dependents, dependents)
    names = list(repositories or [name for name, _ in known])
    names += [s.split(":", 1)[1] for s in store.failed_scopes("issues:") if repositories is None]
    names = list(dict.fromkeys(names))
    cursors = store.issue_cursors(names)
    summary = GitHubCrawl()
    missed: set[str] = set()

    def failed(scopes: list[str], error: str) -> None:
        missed.update(scopes)
        summary.failed += len(scopes)
        store.fail([f"issues:{name}" for name in scopes], error)

    def landed(done: list[tuple[str, list[dict]]]) -> None:
        summary.issues += sum(len(rows) for _, rows in done)
        summary.repositories += len(done)
        store.save_issues(done, started)

    started = datetime.now(UTC)
    with _client(timing or GitHubTiming(), endpoint) as client:
        fresh = [(name, None) for name in names if name not in cursors]
        known = [(name, cursors[name]) for name in names if name in cursors]
        changed = changed_since(client, known, failed) if known else {}
        unchanged = [name for name, _ in known if name not in changed and name not in missed]
        store.clear_failures([f"issues:{name}" for name in unchanged])  # checked: up to date
        todo = fresh + [(name, since) for name, since in known if name in changed]
        sizes = store.open_issue_counts([name for name, _ in fresh]) | changed
        fetch_issues(client, todo, max_issues, landed, failed, sizes=sizes)
    summary.usage = client.usage
    return summary
