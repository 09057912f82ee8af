"""The GitHub crawl: discovery, health signals of known repositories, and issues.

Only orders tasks. Each task checkpoints as it goes (raw_github_cursors), records what it could
not fetch (raw_github_fetch_failures, retried on the next crawl), and returns what it cost.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow
from prefect.runtime import flow_run
from pydantic import BaseModel, ConfigDict

from flows.runtime.heartbeats import call_subflow
from flows.runtime.ledger_hooks import LEDGER_HOOKS
from flows.score import Ranked, Scoring, build_and_score
from flows.triage import TriageOptions, TriageSummary, triage_flow
from scoring.budget import BudgetLimits
from settings import FilterSettings, GitHubSettings
from tasks.github.crawl import (
    GitHubCrawl,
    crawl_issues,
    discover_repositories,
    refresh_health,
    repo_dependents,
)
from tasks.github.graphql import GitHubTiming
from tasks.github.http import GitHubEndpoint
from tasks.http.rate_limit import ensure_rate_limit
from tasks.llm.endpoint import LlmEndpoint, LlmPolicy


class GitHubSummary(BaseModel):
    discovery: GitHubCrawl | None = None
    health: GitHubCrawl | None = None
    issues: GitHubCrawl | None = None
    triage: TriageSummary | None = None  # the open issues triaged after the issue crawl
    ranked: Ranked | None = None  # with rank=True: the build and score that followed

    @property
    def requests(self) -> int:
        parts = (self.discovery, self.health, self.issues)
        return sum(p.usage.requests for p in parts if p)

    @property
    def points(self) -> int:
        return sum(p.usage.points for p in (self.discovery, self.health, self.issues) if p)


_GITHUB, _FILTER = GitHubSettings(), FilterSettings()  # the settings' defaults, one place


class GitHubCrawlParams(BaseModel):
    """What a GitHub crawl reads, where and how fast; every default is the settings' default
    (`github.*`, `filter.*`). No secret: the token stays in the environment."""

    model_config = ConfigDict(extra="forbid")

    endpoint: GitHubEndpoint = _GITHUB.endpoint()
    languages: list[str] = _GITHUB.languages
    min_stars: int = _FILTER.min_stars
    min_dependents: int = _FILTER.min_dependents
    max_issues: int = _GITHUB.max_issues
    requests_per_second: float = _GITHUB.requests_per_second
    discover: bool = True
    health: bool = True
    issues: bool = True
    triage: bool = True  # after the issue crawl, triage what changed (flows/triage.py)
    # the triage's LLM (`llm.*`; None, or no base URL and no key: triaged offline) and gate
    llm: LlmEndpoint | None = None
    llm_policy: LlmPolicy | None = None
    budgets: BudgetLimits | None = None  # the triage's LLM tokens (week, repository)
    limit: int | None = None
    health_max_age_h: float = 24.0
    rank: bool = False  # then build and score the marts (the pipeline builds after its crawls)
    scoring: Scoring = Scoring()


@flow(name="github-crawl", **LEDGER_HOOKS)
def github_crawl_flow(
    db_path: Path,
    params: GitHubCrawlParams | None = None,
    timing: dict[str, Any] | None = None,
    parent_run_id: str | None = None,
) -> GitHubSummary:
    """Discover repositories above `min_stars` (only those pushed since the last discovery
    when there was one), refresh the health of known repositories not read for
    `health_max_age_h` hours, then crawl their issues (only what changed, once crawled).
    Known repositories are refreshed when stars > min_stars OR dependents > min_dependents.
    Every request, in any process, shares the `requests_per_second` budget (`timing` can
    override it and the endpoint's patience, e.g. tiny waits in tests). `rank`: then build the
    marts and score them (`scoring`), as `globallm discover` and the deployment do; the
    pipeline builds after all its crawls instead."""
    p = params or GitHubCrawlParams()
    tuned = _paced(p.requests_per_second, p.endpoint, timing)
    summary = GitHubSummary()
    if p.discover:
        summary.discovery = discover_repositories(
            db_path, list(p.languages), p.min_stars, p.limit, timing=tuned, endpoint=p.endpoint
        )
    dependents = repo_dependents(db_path) if p.health or p.issues else {}
    if p.health:
        summary.health = refresh_health(
            db_path,
            p.min_stars,
            p.health_max_age_h,
            timing=tuned,
            min_dependents=p.min_dependents,
            dependents=dependents,
            endpoint=p.endpoint,
        )
    if p.issues:
        summary.issues = crawl_issues(
            db_path,
            None,
            p.max_issues,
            p.min_stars,
            timing=tuned,
            min_dependents=p.min_dependents,
            dependents=dependents,
            endpoint=p.endpoint,
        )
    if p.issues and p.triage:
        summary.triage = call_subflow(
            triage_flow,
            db_path,
            rank=False,
            options=TriageOptions(llm=p.llm, llm_policy=p.llm_policy, budgets=p.budgets),
            parent_run_id=str(flow_run.get_id()),
        )
    if p.rank:
        summary.ranked = build_and_score(db_path, p.scoring, str(flow_run.get_id()))
    return summary


@flow(name="github-issues", **LEDGER_HOOKS)
def github_issues_flow(
    db_path: Path,
    repository: str,
    max_issues: int = 50,
    requests_per_second: float = _GITHUB.requests_per_second,
    endpoint: GitHubEndpoint | None = None,
    timing: dict[str, Any] | None = None,
    parent_run_id: str | None = None,
) -> GitHubCrawl:
    """One repository's open issues (`globallm issues --repo OWNER/NAME`)."""
    endpoint = endpoint or GitHubEndpoint()
    tuned = _paced(requests_per_second, endpoint, timing)
    return crawl_issues(db_path, [repository], max_issues, timing=tuned, endpoint=endpoint)


def _paced(
    requests_per_second: float, endpoint: GitHubEndpoint, timing: dict[str, Any] | None
) -> GitHubTiming:
    """The client's timing (the endpoint's patience, `timing` on top), with the shared Prefect
    rate limit in place (created once)."""
    patience = endpoint.model_dump(
        include={"timeout_s", "max_retries", "max_wait_s", "backoff_s", "max_backoff_s"}
    )
    tuned = GitHubTiming(**(patience | {"requests_per_s": requests_per_second} | (timing or {})))
    name = ensure_rate_limit(tuned.requests_per_s) if tuned.requests_per_s > 0 else None
    return tuned.model_copy(update={"rate_limit": name})
