"""A published pull request read back from GitHub: open, merged or closed, and the checks of its
head commit. Auto-merge and reviewers act on GitHub's side, so the ledger only learns the outcome
by reading it; these are reads (retried with backoff by tasks.github.http), never writes.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel

from tasks.github.http import (
    GitHubConfig,
    GitHubEndpoint,
    GitHubError,
    client_for,
    http_get,
    read_json,
    repo_url,
)
from tasks.pulls import github as pulls
from tasks.pulls.github_checks import ChecksSummary, check_status
from tasks.pulls.provider import ProviderError

_PULL_PATH = re.compile(r"^/(?P<owner>[^/]+)/(?P<repo>[^/]+)/pull/(?P<number>\d+)/?$")


class PullState(BaseModel):
    """What GET /repos/{owner}/{repo}/pulls/{number} says about one pull request."""

    number: int
    url: str  # html_url
    state: str  # open | closed
    merged: bool
    merge_sha: str | None  # merge_commit_sha, kept only once merged
    head_sha: str


class PullStatus(BaseModel):
    """One change's pull request as a sync saw it; `error` says why it could not be read."""

    pr_url: str
    number: int | None = None
    state: str | None = None
    merged: bool = False
    merge_sha: str | None = None
    head_sha: str | None = None
    checks: ChecksSummary | None = None
    checks_error: str | None = None
    error: str | None = None


def parse_pull_url(url: str) -> tuple[str, str, int]:
    """(owner, repo, number) of a pull request's html_url: https://host/o/r/pull/N. The host is
    not checked: GitHub Enterprise serves pages and the API from different hosts."""
    match = _PULL_PATH.match(urlsplit(url.strip()).path)
    if not match:
        raise ProviderError(f"not a GitHub pull request URL: {url}")
    return match["owner"], match["repo"], int(match["number"])


def read_pull(config: GitHubConfig, owner: str, repo: str, number: int) -> PullState:
    """One pull request's state, merge commit and head commit (404 raises GitHubError)."""
    url = f"{repo_url(config, owner, repo)}/pulls/{number}"
    what = f"read of pull request {owner}/{repo}#{number}"

    def read(data) -> PullState:
        merged = bool(data.get("merged"))
        return PullState(
            number=data["number"],
            url=data["html_url"],
            state=data["state"],
            merged=merged,
            merge_sha=data.get("merge_commit_sha") if merged else None,
            head_sha=data["head"]["sha"],
        )

    with client_for(config) as client:
        return read_json(http_get(client, config, url, what), config, what, read)


def checks_text(status: PullStatus) -> str:
    """The checks summary an event and the CLI show, e.g. "3 passed, 1 failed, 0 pending
    (failure)"; "none" when the commit has no check runs."""
    if status.error:
        return f"not read: {status.error}"
    if status.checks is None:
        return f"not read: {status.checks_error}"
    c = status.checks
    if not c.total:
        return "none"
    return f"{c.passed} passed, {c.failed} failed, {c.pending} pending ({c.conclusion})"


@task(name="github-require-token", tags=["github"], retries=0, cache_policy=NO_CACHE)
def require_github(endpoint: GitHubEndpoint | None = None) -> None:
    """Fail a sync once, up front, when there is no token: not with one event per change."""
    pulls.github_config(endpoint)


@task(name="github-read-pull-status", tags=["github"], retries=0, cache_policy=NO_CACHE)
def read_pull_status(pr_url: str, endpoint: GitHubEndpoint | None = None) -> PullStatus:
    """Read a change's pull request and its head commit's checks. Never raises for GitHub's
    answer: a failed read comes back as `error`, so one pull request never stops a sync."""
    try:
        config = pulls.github_config(endpoint)
        owner, repo, number = parse_pull_url(pr_url)
        pull = read_pull(config, owner, repo, number)
    except (ProviderError, GitHubError) as error:  # 404, 5xx after retries, bad JSON
        return PullStatus(pr_url=pr_url, error=str(error))
    status = PullStatus(
        pr_url=pr_url,
        number=pull.number,
        state=pull.state,
        merged=pull.merged,
        merge_sha=pull.merge_sha,
        head_sha=pull.head_sha,
    )
    try:  # the state is known even when the checks cannot be read
        status.checks = check_status(config, owner, repo, pull.head_sha)
    except (ProviderError, GitHubError) as error:
        status.checks_error = str(error)
    return status
