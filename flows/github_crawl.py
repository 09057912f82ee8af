"""The GitHub crawl: discovery, health signals of known repositories, and issues.

Only orders tasks. Each task checkpoints as it goes (raw_github_cursors), records what it could
not fetch (raw_github_fetch_failures, retried on the next crawl), and returns what it cost.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow
from prefect.runtime import flow_run
from pydantic import BaseModel

from flows.ledger_hooks import LEDGER_HOOKS
from flows.score import Ranked, Scoring, build_and_score
from tasks.github import (
    GitHubCrawl,
    crawl_issues,
    discover_repositories,
    refresh_health,
    repo_dependents,
)
from tasks.github_discovery import LANGUAGES
from tasks.github_graphql import GitHubTiming
from tasks.github_limits import ensure_rate_limit


class GitHubSummary(BaseModel):
    discovery: GitHubCrawl | None = None
    health: GitHubCrawl | None = None
    issues: GitHubCrawl | None = None
    ranked: Ranked | None = None  # with rank=True: the build and score that followed

    @property
    def requests(self) -> int:
        parts = (self.discovery, self.health, self.issues)
        return sum(p.usage.requests for p in parts if p)

    @property
    def points(self) -> int:
        return sum(p.usage.points for p in (self.discovery, self.health, self.issues) if p)


@flow(name="github-crawl", **LEDGER_HOOKS)
def github_crawl_flow(
    db_path: Path,
    languages: list[str] | None = None,
    min_stars: int = 1000,
    min_dependents: int = 100,
    max_issues: int = 5,
    discover: bool = True,
    health: bool = True,
    issues: bool = True,
    limit: int | None = None,
    health_max_age_h: float = 24.0,
    requests_per_second: float = 10.0,
    timing: dict[str, Any] | None = None,
    parent_run_id: str | None = None,
    rank: bool = False,
    scoring: Scoring | None = None,
) -> GitHubSummary:
    """Discover repositories above `min_stars` (only those pushed since the last discovery
    when there was one), refresh the health of known repositories not read for
    `health_max_age_h` hours, then crawl their issues (only what changed, once crawled).
    Known repositories are refreshed when stars > min_stars OR dependents > min_dependents.
    Every request, in any process, shares the `requests_per_second` budget (`timing` can
    override it, e.g. 0 in tests). `rank`: then build the marts and score them (`scoring`:
    the score flow's parameters), as `globallm discover` and the deployment do; the pipeline
    builds after all its crawls instead."""
    tuned = _paced(requests_per_second, timing)
    summary = GitHubSummary()
    if discover:
        summary.discovery = discover_repositories(
            db_path, list(languages or LANGUAGES), min_stars, limit, timing=tuned
        )
    dependents = repo_dependents(db_path) if health or issues else {}
    if health:
        summary.health = refresh_health(
            db_path,
            min_stars,
            health_max_age_h,
            timing=tuned,
            min_dependents=min_dependents,
            dependents=dependents,
        )
    if issues:
        summary.issues = crawl_issues(
            db_path,
            None,
            max_issues,
            min_stars,
            timing=tuned,
            min_dependents=min_dependents,
            dependents=dependents,
        )
    if rank:
        summary.ranked = build_and_score(db_path, scoring or Scoring(), str(flow_run.get_id()))
    return summary


@flow(name="github-issues", **LEDGER_HOOKS)
def github_issues_flow(
    db_path: Path,
    repository: str,
    max_issues: int = 50,
    requests_per_second: float = 10.0,
    timing: dict[str, Any] | None = None,
    parent_run_id: str | None = None,
) -> GitHubCrawl:
    """One repository's open issues (`globallm issues --repo OWNER/NAME`)."""
    tuned = _paced(requests_per_second, timing)
    return crawl_issues(db_path, [repository], max_issues, timing=tuned)


def _paced(requests_per_second: float, timing: dict[str, Any] | None) -> GitHubTiming:
    """The client's timing, with the shared Prefect rate limit in place (created once)."""
    tuned = GitHubTiming(**({"requests_per_s": requests_per_second} | (timing or {})))
    name = ensure_rate_limit(tuned.requests_per_s) if tuned.requests_per_s > 0 else None
    return tuned.model_copy(update={"rate_limit": name})
