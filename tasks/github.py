"""GitHub as a source: one issue by its URL (REST, for `globallm fix --issue-url`), and the
Prefect tasks of the GitHub crawl: discovery, health signals and issues over GraphQL
(github_discovery.py, github_health.py, github_issues.py through github_graphql.py), landed
with checkpoints by github_store.py.

Tasks read the token from the environment, never as a parameter Prefect would record.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel

from tasks import progress
from tasks.github_discovery import discover
from tasks.github_graphql import GitHubTiming, GraphQLClient, Usage
from tasks.github_health import fetch_health
from tasks.github_http import GitHubConfig, GitHubError, client_for, http_get, read_json, repo_url
from tasks.github_issues import changed_since, fetch_issues
from tasks.github_rest import HttpCache, RestReader
from tasks.github_store import GitHubStore
from tasks.llm_fix import IssueSpec

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


@task(name="github-fetch-issue", tags=["github"])
def fetch_issue(url: str, db_path: Path | None = None) -> IssueSpec:
    """The issue's title and body, read through the API (retried like every GitHub read);
    with `db_path`, conditionally (an unchanged issue is a free 304 answered from the cache).

    The token comes from the environment here, never as a parameter Prefect would record.
    """
    config = GitHubConfig.from_env()
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


def github_enabled() -> bool:
    """Whether the GitHub source can run; without a token, says so in one line."""
    if GitHubConfig.from_env() is not None:
        return True
    progress.console.print("GitHub skipped: GITHUB_TOKEN is not set")
    return False


def _client(timing: GitHubTiming) -> GraphQLClient:
    config = GitHubConfig.from_env()
    if config is None:
        raise GitHubError("the GitHub source needs GITHUB_TOKEN")
    return GraphQLClient(config, timing)


@task(name="github-discover", tags=["github"], cache_policy=NO_CACHE)
def discover_repositories(
    db_path: Path,
    languages: list[str],
    min_stars: int,
    limit: int | None = None,
    incremental: bool = True,
    timing: GitHubTiming | None = None,
    full_after_days: float = 7.0,
) -> GitHubCrawl:
    """Search each language above `min_stars` with health fields, landing page by page; with
    `incremental` and a previous complete discovery, only repositories pushed since then. A
    full discovery runs again after `full_after_days` (a repository can cross the star
    threshold without a push)."""
    store = GitHubStore(db_path)
    started = datetime.now(UTC)
    last = store.discovered_at(languages, min_stars) if incremental and limit is None else None
    last_full = store.discovered_at(languages, min_stars, "discover-full")
    if last_full is None or started - last_full > timedelta(days=full_after_days):
        last = None
    pushed_after = last.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if last else None
    failures: list[str] = []

    def failed(scope: str, error: str) -> None:
        failures.append(scope)
        store.fail([scope], error)

    with _client(timing or GitHubTiming()) as client:
        landed = discover(
            client, languages, min_stars, store.load, store.save_page, failed, limit, pushed_after
        )
    if not failures and limit is None:
        store.finish_discovery(languages, min_stars, started, full=pushed_after is None)
    return GitHubCrawl(repositories=landed, failed=len(failures), usage=client.usage)


@task(name="github-health", tags=["github"], cache_policy=NO_CACHE)
def refresh_health(
    db_path: Path,
    min_stars: int,
    max_age_h: float = 0.0,
    timing: GitHubTiming | None = None,
    min_dependents: int | None = None,
) -> GitHubCrawl:
    """Health signals of the GitHub repositories already known (stars > min_stars OR
    dependents > min_dependents) and not read for `max_age_h` hours (discovery reads them
    too), 100 per request."""
    store = GitHubStore(db_path)
    known = store.known_repositories(min_stars, max_age_h, min_dependents)
    with _client(timing or GitHubTiming()) as client:
        rows, failures = fetch_health(client, known, datetime.now(UTC), on_batch=store.save_repos)
    for name, error in failures.items():
        store.fail([f"repo:{name}"], error)
    return GitHubCrawl(repositories=len(rows), failed=len(failures), usage=client.usage)


@task(name="github-issues", tags=["github"], cache_policy=NO_CACHE)
def crawl_issues(
    db_path: Path,
    repositories: list[str] | None,
    max_issues: int,
    min_stars: int = 0,
    timing: GitHubTiming | None = None,
    min_dependents: int | None = None,
) -> GitHubCrawl:
    """Issues of the named repositories (default: every known one passing the filter). One
    with a cursor is asked only what changed since; the rest read their open issues."""
    store = GitHubStore(db_path)
    known = store.known_repositories(min_stars, min_dependents=min_dependents)
    names = repositories or [name for name, _ in known]
    names += [s.split(":", 1)[1] for s in store.failed_scopes("issues:") if repositories is None]
    names = list(dict.fromkeys(names))
    cursors = store.issue_cursors(names)
    summary = GitHubCrawl()

    def failed(scopes: list[str], error: str) -> None:
        summary.failed += len(scopes)
        store.fail([f"issues:{name}" for name in scopes], error)

    def landed(done: list[tuple[str, list[dict]]]) -> None:
        summary.issues += sum(len(rows) for _, rows in done)
        summary.repositories += len(done)
        store.save_issues(done, started)

    started = datetime.now(UTC)
    with _client(timing or GitHubTiming()) as client:
        fresh = [(name, None) for name in names if name not in cursors]
        known = [(name, cursors[name]) for name in names if name in cursors]
        changed = changed_since(client, known, failed) if known else {}
        todo = fresh + [(name, since) for name, since in known if name in changed]
        sizes = store.open_issue_counts([name for name, _ in fresh]) | changed
        fetch_issues(client, todo, max_issues, landed, failed, sizes=sizes)
    summary.usage = client.usage
    return summary
