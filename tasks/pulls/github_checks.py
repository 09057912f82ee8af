"""The check runs of a commit on GitHub, summarised: passed, failed, pending, and one conclusion.

A read: retried with backoff (tasks.github.http). Pages are followed through `Link: rel="next"`
only on the API's own origin, so the token is never sent elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import quote, urlsplit

from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel

from tasks.github.http import (
    GitHubConfig,
    GitHubError,
    client_for,
    http_get,
    read_json,
    repo_url,
)

PASSED = frozenset({"success", "neutral", "skipped"})


class ChecksSummary(BaseModel):
    total: int
    passed: int
    failed: int
    pending: int
    conclusion: str  # success | failure | pending | none (no check runs)


def summarize_checks(runs: Iterable[Mapping]) -> ChecksSummary:
    """Count check runs: passed (success, neutral, skipped), failed (any other conclusion of a
    completed run), pending (not completed yet)."""
    total = passed = failed = pending = 0
    for run in runs:
        total += 1
        if run.get("status") != "completed":
            pending += 1
        elif run.get("conclusion") in PASSED:
            passed += 1
        else:
            failed += 1
    conclusion = "failure" if failed else "pending" if pending else "success" if total else "none"
    return ChecksSummary(
        total=total, passed=passed, failed=failed, pending=pending, conclusion=conclusion
    )


def check_status(config: GitHubConfig, owner: str, repo: str, sha: str) -> ChecksSummary:
    """Summarise the check runs of a commit, following `Link: rel="next"` across pages."""
    url: str | None = f"{repo_url(config, owner, repo)}/commits/{quote(sha, safe='')}/check-runs"
    params: dict | None = {"per_page": 100}
    what, runs, seen = f"check runs of {owner}/{repo}@{sha}", [], set()
    with client_for(config) as client:
        while url:
            if (
                _origin(url) != _origin(config.api_url) or url in seen
            ):  # never send the token elsewhere, or loop
                raise GitHubError(f"GitHub {what}: refusing to follow the next-page link {url}")
            seen.add(url)
            response = http_get(client, config, url, what, params=params)
            runs += read_json(response, config, what, lambda d: list(d["check_runs"]))
            url, params = response.links.get("next", {}).get("url"), None
    return summarize_checks(runs)


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


check_status_task = task(
    check_status,
    name="github-check-status",
    tags=["github"],
    retries=0,  # the function retries its reads itself
    cache_policy=NO_CACHE,  # a commit's checks change
)
