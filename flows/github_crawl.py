"""The GitHub crawl: discovery, health signals of known repositories, and issues.

Only orders tasks. Each task checkpoints as it goes (raw_github_cursors), records what it could
not fetch (raw_github_fetch_failures, retried on the next crawl), and returns what it cost.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow
from pydantic import BaseModel

from flows.ledger_hooks import LEDGER_HOOKS
from tasks.github import GitHubCrawl, crawl_issues, discover_repositories, refresh_health
from tasks.github_discovery import LANGUAGES
from tasks.github_graphql import GitHubTiming


class GitHubSummary(BaseModel):
    discovery: GitHubCrawl | None = None
    health: GitHubCrawl | None = None
    issues: GitHubCrawl | None = None

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
    max_issues: int = 5,
    discover: bool = True,
    health: bool = True,
    issues: bool = True,
    limit: int | None = None,
    health_max_age_h: float = 24.0,
    timing: dict[str, Any] | None = None,
    parent_run_id: str | None = None,
) -> GitHubSummary:
    """Discover repositories above `min_stars` (only those pushed since the last discovery
    when there was one), refresh the health of known repositories not read for
    `health_max_age_h` hours, then crawl their issues (only what changed, once crawled)."""
    tuned = GitHubTiming(**(timing or {}))
    summary = GitHubSummary()
    if discover:
        summary.discovery = discover_repositories(
            db_path, list(languages or LANGUAGES), min_stars, limit, timing=tuned
        )
    if health:
        summary.health = refresh_health(db_path, min_stars, health_max_age_h, timing=tuned)
    if issues:
        summary.issues = crawl_issues(db_path, None, max_issues, min_stars, timing=tuned)
    return summary


@flow(name="github-issues", **LEDGER_HOOKS)
def github_issues_flow(
    db_path: Path,
    repository: str,
    max_issues: int = 50,
    timing: dict[str, Any] | None = None,
    parent_run_id: str | None = None,
) -> GitHubCrawl:
    """One repository's open issues (`globallm issues --repo OWNER/NAME`)."""
    return crawl_issues(db_path, [repository], max_issues, timing=GitHubTiming(**(timing or {})))
