"""`globallm run`: crawl -> build -> score, each a subflow that can also run alone. With
`github=True` (the CLI sets it when GITHUB_TOKEN is set) the GitHub crawl runs too: discovery
of `github_languages` (incremental after the first), then health and issues."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow
from prefect.runtime import flow_run
from pydantic import BaseModel

from flows.build import BuildSummary
from flows.crawl import CrawlSummary, crawl_flow
from flows.github_crawl import GitHubSummary, github_crawl_flow
from flows.heartbeats import call_subflow
from flows.ledger_hooks import LEDGER_HOOKS
from flows.score import Scoring, build_and_score
from settings import DEFAULT_DB, CrawlSettings


class PipelineSummary(BaseModel):
    run_id: str
    db_path: str
    crawl: CrawlSummary
    build: BuildSummary
    score: BuildSummary
    github: GitHubSummary | None = None


@flow(name="pipeline", **LEDGER_HOOKS)
def pipeline_flow(
    db_path: Path = DEFAULT_DB,
    paths: list[Path] | None = None,
    skip_dirs: list[str] | None = None,
    health: dict[str, Any] | None = None,
    impact: dict[str, Any] | None = None,
    priority: dict[str, float] | None = None,
    max_file_bytes: int = 2_000_000,
    include_environment: bool = True,
    min_stars: int = 1000,
    min_dependents: int = 100,
    max_issues: int = 5,
    github_requests_per_second: float = 10.0,
    github: bool = False,
    github_languages: list[str] | None = None,
) -> PipelineSummary:
    """The offline main job: local sources into the warehouse, scored and ranked.

    Every parameter has the configuration's default, so a deployment can run it bare;
    empty scoring dicts mean the scoring models' own defaults. `github`: also crawl GitHub
    (the CLI sets it when GITHUB_TOKEN is set; off by default, so a bare run stays offline).
    """
    run_id = str(flow_run.get_id())
    crawled = call_subflow(
        crawl_flow,
        db_path,
        paths or [Path(".")],
        skip_dirs if skip_dirs is not None else CrawlSettings().skip_dirs,
        max_file_bytes,
        include_environment,
        parent_run_id=run_id,
    )
    github_summary = None
    if github:
        github_summary = call_subflow(
            github_crawl_flow,
            db_path,
            languages=github_languages or ["python"],
            min_stars=min_stars,
            min_dependents=min_dependents,
            max_issues=max_issues,
            requests_per_second=github_requests_per_second,
            discover=True,
            parent_run_id=run_id,
        )
    scoring = Scoring(health=health or {}, impact=impact or {}, priority=priority or {})
    ranked = build_and_score(db_path, scoring, parent_run_id=run_id)
    return PipelineSummary(
        run_id=run_id,
        db_path=str(db_path),
        crawl=crawled,
        build=ranked.build,
        score=ranked.score,
        github=github_summary,
    )
