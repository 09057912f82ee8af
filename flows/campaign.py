"""Campaigns: `campaign plan` (write the plan, change nothing) and `campaign run` (plan, then
one subflow per repository under a concurrency limit). A resumed run skips what is done."""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

from prefect import flow, task
from prefect.futures import as_completed
from prefect.runtime import flow_run
from pydantic import BaseModel

from fixers.lifecycle import FINAL_STATES
from fixers.plan import PlanItem, longest_first
from flows.campaign_repository import CampaignPolicy, repository_flow
from flows.runtime.heartbeats import call_subflow
from flows.runtime.ledger_hooks import LEDGER_HOOKS
from settings import DEFAULT_DB, CrawlSettings
from tasks.campaign.recipes import plan_repository, write_plan_file
from tasks.local.repos import list_repositories
from tasks.progress import progress_steps
from tasks.store.ledger import load_plan, record_plan_items, suite_seconds
from tasks.store.run_report import publish_report


class CampaignSpec(BaseModel):
    """What a campaign changes and where: the recipe, its options, and the workspace."""

    recipe: str
    options: dict = {}
    paths: list[Path] = [Path(".")]
    skip_dirs: list[str] = CrawlSettings().skip_dirs
    runs_dir: Path = DEFAULT_DB.parent / "runs"


class PlanSummary(BaseModel):
    run_id: str
    recipe: str
    repositories: int
    planned: int
    failed: int
    plan_path: str


class CampaignSummary(BaseModel):
    run_id: str
    plan: PlanSummary | None
    states: dict[str, int]
    skipped_done: int


def _plan(db_path: Path, run_id: str, spec: CampaignSpec) -> PlanSummary:
    repos = list_repositories(spec.paths, spec.skip_dirs)
    futures = [
        plan_repository.submit(r, spec.recipe, spec.options, run_id, spec.skip_dirs) for r in repos
    ]
    items: list[PlanItem] = []
    with progress_steps("Planning", total=len(futures)) as advance:
        for future in as_completed(futures):
            found = future.result()
            items += found
            advance(f"{len(found)} files")
    record_plan_items(db_path, items, state="PENDING")
    plan_path = write_plan_file(
        spec.runs_dir / run_id / "plan.json", run_id, spec.recipe, spec.options, items
    )
    return PlanSummary(
        run_id=run_id,
        recipe=spec.recipe,
        repositories=len(repos),
        planned=sum(i.status == "PLANNED" for i in items),
        failed=sum(i.status == "FAILED" for i in items),
        plan_path=str(plan_path),
    )


@flow(name="campaign-plan", **LEDGER_HOOKS)
def campaign_plan_flow(db_path: Path, spec: CampaignSpec) -> PlanSummary:
    """Plan items for every file the recipe would change; no file is changed."""
    return _plan(db_path, str(flow_run.get_id()), spec)


@task(name="campaign-repository")
def _repository_task(**kwargs) -> dict[str, int]:
    """Runs one repository's subflow in a worker thread, so repositories go in parallel."""
    return call_subflow(repository_flow, **kwargs)


@flow(name="campaign", **LEDGER_HOOKS)
def campaign_run_flow(
    db_path: Path,
    spec: CampaignSpec,
    policy: CampaignPolicy,
    resume_run_id: str | None = None,
) -> CampaignSummary:
    """Plan (unless resuming), then apply -> verify -> gate -> propose per repository."""
    run_id = resume_run_id or str(flow_run.get_id())
    plan = None
    if resume_run_id is None:
        plan = _plan(db_path, run_id, spec)
    items = load_plan(db_path, run_id)
    pending = [i for i in items if i.status not in FINAL_STATES]
    by_repo: dict[str, list[PlanItem]] = defaultdict(list)
    for item in pending:
        by_repo[item.repo_path].append(item)
    names = {path: repo_items[0].repo for path, repo_items in by_repo.items()}
    known = suite_seconds(db_path, sorted(set(names.values())))
    order = longest_first(
        {path: len(repo_items) for path, repo_items in by_repo.items()},
        policy.batch_size,
        {path: known[name] for path, name in names.items() if name in known},
    )
    futures = {
        _repository_task.submit(
            db_path=db_path,
            run_id=run_id,
            repo_path=Path(repo),
            items=repo_items,
            recipe=spec.recipe,
            options=spec.options,
            policy=policy,
            worktree_root=spec.runs_dir / run_id / "worktrees" / Path(repo).name,
            parent_run_id=str(flow_run.get_id()),
        ): repo
        for repo, repo_items in ((path, by_repo[path]) for path in order)
    }
    states: Counter[str] = Counter()
    with progress_steps("Repositories", total=len(futures)) as advance:
        for future in as_completed(list(futures)):
            repo = futures[future]
            try:
                states.update(future.result())
            except Exception as error:  # one repository that breaks never stops the others
                failed = [
                    i.model_copy(
                        update={
                            "status": "FAILED",
                            "reason": f"repository failed: {type(error).__name__}: {error}",
                        }
                    )
                    for i in by_repo[repo]
                ]
                record_plan_items(db_path, failed, state="FAILED")
                states["FAILED"] += 1
            advance(Path(repo).name)
    publish_report(db_path, run_id)
    return CampaignSummary(
        run_id=run_id, plan=plan, states=dict(states), skipped_done=len(items) - len(pending)
    )
