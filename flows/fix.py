"""`globallm fix --issue-url URL`: an LLM proposes edits for an issue, and they go through the
same apply -> verify -> gate -> propose pipeline as a campaign. With no LLM configured, the
plan items are recorded as SKIPPED with that reason."""

from __future__ import annotations

from pathlib import Path

from prefect import flow
from prefect.runtime import flow_run
from pydantic import BaseModel

from fixers.llm_patch import answer_confidence
from fixers.plan import assessed
from flows.campaign_repository import CampaignPolicy, repository_flow
from flows.runtime.heartbeats import call_subflow
from flows.runtime.ledger_hooks import LEDGER_HOOKS
from tasks.campaign.recipes import PlanScope, plan_repository
from tasks.llm.endpoint import LlmEndpoint, LlmPolicy
from tasks.llm.fix import IssueSpec, propose_edits
from tasks.llm.pacing import ensure_llm_limits
from tasks.store.ledger import purge_llm_texts, record_llm_calls, record_plan_items

RECIPE = "llm-patch"


class FixSummary(BaseModel):
    run_id: str
    model: str | None
    planned: int
    skipped: int
    failed: int
    problems: dict[str, str]
    states: dict[str, int]
    llm_calls: int = 0
    cache_hits: int = 0
    tokens: int = 0
    cost: float = 0.0
    secrets_redacted: int = 0
    budget_stop: str | None = None  # the token budget stopped the asking: nothing was applied


@flow(name="fix", **LEDGER_HOOKS)
def fix_flow(
    db_path: Path,
    issue: IssueSpec,
    repo_path: Path,
    files: list[str],
    runs_dir: Path,
    policy: CampaignPolicy,
    llm: LlmEndpoint | None = None,
    llm_policy: LlmPolicy | None = None,
    risk: str | None = None,
    tokens_left: int | None = None,
    parent_run_id: str | None = None,
) -> FixSummary:
    """Propose edits for the issue in `files` (asking the model `llm` names; with no base URL
    and no API key, nothing is asked) through the privacy gate `llm_policy`, plan them, then
    verify, gate and propose. Files opted out of LLM requests are SKIPPED plan items.

    The solve loop passes the issue's `risk` level (its triage's: the gate merges LOW and
    MEDIUM, leaves HIGH for a person) and what is left of its token budget: when the budget
    stops the asking, every file is SKIPPED with that reason, so nothing is half-applied."""
    run_id = str(flow_run.get_id())
    llm_policy = llm_policy or LlmPolicy()
    limits = ensure_llm_limits(llm) if llm is not None else None
    proposal = propose_edits(
        repo_path, files, issue, run_id, llm, db_path, llm_policy, limits, tokens_left
    )
    record_llm_calls(db_path, proposal.calls)
    if proposal.budget_stop:
        proposal.skipped = {rel: proposal.budget_stop for rel in files}
        proposal.problems = {}
    options = {
        "issue_title": issue.title,
        "issue_body": issue.body,
        "answer": proposal.answer,
        "secrets": proposal.secrets,  # SecretStr: recorded parameters show '**********'
    }
    scope = PlanScope(
        files=files,
        source=issue.url,
        keep_skipped=True,
        failures=proposal.problems,
        skips=proposal.skipped,
    )
    items = plan_repository(repo_path.resolve(), RECIPE, options, run_id, [], scope)
    items = assessed(items, risk, answer_confidence(proposal.answer))
    record_plan_items(db_path, items, state="PENDING")
    planned = [item for item in items if item.status == "PLANNED"]
    states: dict[str, int] = {}
    if planned:
        states = call_subflow(
            repository_flow,
            db_path=db_path,
            run_id=run_id,
            repo_path=repo_path.resolve(),
            items=planned,
            recipe=RECIPE,
            options=options,
            policy=policy,
            worktree_root=runs_dir / run_id / "worktrees" / repo_path.resolve().name,
            parent_run_id=run_id,
            generated_by=f"llm:{proposal.model}",
        )
    purge_llm_texts(db_path, llm_policy.retention_days)
    return FixSummary(
        run_id=run_id,
        model=proposal.model,
        planned=len(planned),
        skipped=sum(item.status == "SKIPPED" for item in items),
        failed=sum(item.status == "FAILED" for item in items),
        problems=proposal.problems | proposal.skipped,
        states=states,
        llm_calls=len(proposal.calls),
        cache_hits=sum(call.cache_hit for call in proposal.calls),
        tokens=sum((call.tokens_in or 0) + (call.tokens_out or 0) for call in proposal.calls),
        cost=sum(call.cost for call in proposal.calls),
        secrets_redacted=sum(call.secrets_redacted for call in proposal.calls),
        budget_stop=proposal.budget_stop,
    )
