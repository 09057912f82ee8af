"""`globallm run`: crawl -> build -> score, each a subflow that can also run alone. With
`github=True` (the CLI sets it when GITHUB_TOKEN is set) the GitHub crawl runs too: discovery
of `github_languages` (incremental after the first), then health and issues."""

from __future__ import annotations

from pathlib import Path

from prefect import flow
from prefect.runtime import flow_run
from pydantic import BaseModel, ConfigDict

from flows.build import BuildSummary
from flows.crawl import CrawlSummary, crawl_flow
from flows.github_crawl import GitHubCrawlParams, GitHubSummary, github_crawl_flow
from flows.runtime.heartbeats import call_subflow
from flows.runtime.ledger_hooks import LEDGER_HOOKS
from flows.score import Scoring, build_and_score
from settings import DEFAULT_DB, CrawlSettings


class PipelineSummary(BaseModel):
    run_id: str
    db_path: str
    crawl: CrawlSummary
    build: BuildSummary
    score: BuildSummary
    github: GitHubSummary | None = None


class PipelineParams(BaseModel):
    """What `globallm run` crawls and how it scores; every default is the settings' default
    (the section models themselves). `github`: None keeps the run offline; the CLI fills it
    when GITHUB_TOKEN is set."""

    model_config = ConfigDict(extra="forbid")

    paths: list[Path] = [Path(".")]
    crawl: CrawlSettings = CrawlSettings()
    scoring: Scoring = Scoring()
    github: GitHubCrawlParams | None = None


@flow(name="pipeline", **LEDGER_HOOKS)
def pipeline_flow(
    db_path: Path = DEFAULT_DB, params: PipelineParams | None = None
) -> PipelineSummary:
    """The offline main job: local sources into the warehouse, scored and ranked; with
    `params.github`, the GitHub crawl too. A deployment can run it bare."""
    p = params or PipelineParams()
    run_id = str(flow_run.get_id())
    crawled = call_subflow(
        crawl_flow,
        db_path,
        p.paths,
        p.crawl.skip_dirs,
        p.crawl.max_file_bytes,
        p.crawl.include_environment,
        parent_run_id=run_id,
    )
    github_summary = None
    if p.github is not None:
        github_summary = call_subflow(
            github_crawl_flow, db_path, params=p.github, parent_run_id=run_id
        )
    ranked = build_and_score(db_path, p.scoring, parent_run_id=run_id)
    return PipelineSummary(
        run_id=run_id,
        db_path=str(db_path),
        crawl=crawled,
        build=ranked.build,
        score=ranked.score,
        github=github_summary,
    )
