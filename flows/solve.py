"""`globallm solve`: the top open issues of the work queue through the fix pipeline.

For each issue whose decision allows automation and that no change holds yet (the query is
warehouse/readers/solve_queries.py): the repository's checkout (the crawled workspace's, else
a clone), the files the triage's scope and the issue's text name, then one `fix` subflow: LLM
patch -> apply -> verify -> gate -> propose, with the issue's risk level deciding what the gate
may merge (LOW and MEDIUM merge, MEDIUM also notifies a person; HIGH is opened for one). Issues
go in rank order, one repository's issues one after another, repositories in parallel up to
`concurrency`. An issue that cannot be tried (no LLM, no file, no checkout, a spent budget) is
an event in the ledger with the reason and the loop goes on.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.runtime import flow_run
from pydantic import BaseModel, Field

from flows.campaign_repository import CampaignPolicy
from flows.fix import fix_flow
from flows.runtime.heartbeats import call_subflow
from flows.runtime.ledger_hooks import LEDGER_HOOKS
from scoring.budget import BudgetLimits, Spend, refusal
from tasks.llm.client import llm_configured
from tasks.llm.endpoint import LlmEndpoint, LlmPolicy
from tasks.llm.fix import IssueSpec
from tasks.local.checkouts import CheckoutError, checkout, issue_files
from tasks.progress import progress_steps
from tasks.store.budget import read_spend
from tasks.store.solve import (
    SolveIssue,
    SolveQuery,
    read_candidates,
    read_never,
    record_issue_event,
)

DEFAULT_CLONE_URL = "https://github.com/{repo}.git"
NO_LLM = (
    "no LLM configured: set llm.base_url (GLOBALLM_LLM_BASE_URL) or OPENAI_API_KEY to solve "
    "issues; triage runs offline without one"
)


class SolveParams(BaseModel):
    """Which issues a solve run takes, and how many repositories it works on at once."""

    top: int = Field(5, ge=1)
    language: str | None = None
    repo: str | None = None
    concurrency: int = Field(1, ge=1)
    clone_url_template: str = DEFAULT_CLONE_URL  # `{repo}` is OWNER/NAME
    checkouts_dir: Path = Path(".globallm/checkouts")  # clones of repositories without one
    runs_dir: Path = Path(".globallm/runs")  # each fix's worktrees


class IssueOutcome(BaseModel):
    """What became of one issue: ATTEMPTED (its fix run and the states its changes reached),
    SKIPPED or FAILED with why."""

    url: str
    repo: str
    rank: int
    decision: str
    status: str
    reason: str | None = None
    fix_run_id: str | None = None
    states: dict[str, int] = {}
    tokens: int = 0


class SolveSummary(BaseModel):
    run_id: str
    candidates: int
    attempted: int
    skipped: int
    failed: int
    never: list[str]  # ranked within the cut but never automated (security, breaking)
    states: dict[str, int]
    tokens: int
    outcomes: list[IssueOutcome]
    notice: str | None = None


@flow(name="solve", **LEDGER_HOOKS)
def solve_flow(
    db_path: Path,
    params: SolveParams | None = None,
    policy: CampaignPolicy | None = None,
    llm: LlmEndpoint | None = None,
    llm_policy: LlmPolicy | None = None,
    budgets: BudgetLimits | None = None,
    parent_run_id: str | None = None,
) -> SolveSummary:
    """Try the top `params.top` issues the queue allows now, within `budgets` (this week's
    spend read from the ledger, then counted as the run goes); each outcome is in the ledger."""
    run_id = str(flow_run.get_id())
    params, policy = params or SolveParams(), policy or CampaignPolicy()
    query = SolveQuery(top=params.top, language=params.language, repo=params.repo)
    issues = read_candidates(db_path, query)
    never = read_never(db_path, query, max((i.rank for i in issues), default=params.top))
    notice = None
    if not llm_configured(llm):
        notice = NO_LLM
        outcomes = [_passed_over(db_path, run_id, issue, NO_LLM) for issue in issues]
        return _summary(run_id, issues, never, outcomes, notice)
    by_repo: dict[str, list[SolveIssue]] = defaultdict(list)
    for issue in issues:
        by_repo[issue.repo].append(issue)
    budget = _Budget(budgets or BudgetLimits(), read_spend(db_path))
    context = _Context(db_path, run_id, params, policy, llm, llm_policy, budget)
    waiting, running = list(by_repo.values()), set()  # repositories in rank order
    outcomes: list[IssueOutcome] = []
    with progress_steps(f"Solving {len(issues)} issues", len(issues)) as advance:
        context.advance = advance
        while waiting or running:
            while waiting and len(running) < params.concurrency:
                running.add(_repository_issues.submit(context, waiting.pop(0)))
            done = next(as_completed(list(running)))
            running.remove(done)
            outcomes += done.result()
    outcomes.sort(key=lambda outcome: outcome.rank)
    return _summary(run_id, issues, never, outcomes, notice)


class _Context:
    """What every issue's attempt shares: the run, its policies, and a lock for progress."""

    def __init__(
        self,
        db_path: Path,
        run_id: str,
        params: SolveParams,
        policy: CampaignPolicy,
        llm: LlmEndpoint | None,
        llm_policy: LlmPolicy | None,
        budget: _Budget,
    ) -> None:
        self.db_path, self.run_id, self.params, self.policy = db_path, run_id, params, policy
        self.llm, self.llm_policy, self.budget = llm, llm_policy, budget
        self.lock = threading.Lock()
        self.advance = None

    def step(self, label: str) -> None:
        with self.lock:
            if self.advance is not None:
                self.advance(label)


class _Budget:
    """The week's spend as the run goes, shared by the repositories working in parallel: an
    issue is started only when every budget allows it, and counts at once."""

    def __init__(self, limits: BudgetLimits, spend: Spend) -> None:
        self.limits, self.spend, self.lock = limits, spend, threading.Lock()

    def start(self, issue: SolveIssue) -> str | None:
        """Why the issue may not start, or None (then it is counted as started)."""
        with self.lock:
            why = refusal(self.limits, self.spend, issue.repo, issue.language, starting_issue=True)
            if why is None:
                self.spend = self.spend.add(issue.repo, issue.language, issues=1)
            return why

    def tokens_left(self, repo: str) -> int | None:
        """The tokens the issue's LLM calls may still use (week and repository); None: no
        token limit."""
        with self.lock:
            lefts = []
            if self.limits.tokens_per_week:
                lefts.append(self.limits.tokens_per_week - self.spend.week_tokens)
            if self.limits.tokens_per_repo:
                used = self.spend.repo_tokens.get(repo, 0)
                lefts.append(self.limits.tokens_per_repo - used)
            return max(min(lefts), 0) if lefts else None

    def spent(self, issue: SolveIssue, tokens: int, seconds: float) -> None:
        with self.lock:
            self.spend = self.spend.add(issue.repo, issue.language, tokens=tokens, seconds=seconds)


@task(name="solve-repository", cache_policy=NO_CACHE)
def _repository_issues(context: _Context, issues: list[SolveIssue]) -> list[IssueOutcome]:
    """One repository's issues, in rank order (they share its checkout)."""
    outcomes = []
    for issue in issues:
        outcomes.append(_attempt(context, issue))
        context.step(f"{issue.repo}#{issue.number}")
    return outcomes


def _attempt(context: _Context, issue: SolveIssue) -> IssueOutcome:
    """One issue through checkout -> files -> the fix subflow; never raises for the issue's
    own trouble, so the other issues go on."""
    db_path, run_id = context.db_path, context.run_id
    over = context.budget.start(issue)
    if over:
        return _passed_over(db_path, run_id, issue, over)
    try:
        path = checkout(
            issue.repo,
            issue.workspace,
            context.params.clone_url_template,
            context.params.checkouts_dir,
        )
    except CheckoutError as error:
        return _passed_over(db_path, run_id, issue, str(error), "FAILED")
    files = issue_files(path, issue.scope, issue.title, issue.body)
    if not files:
        why = "no file to change: neither the triage's scope nor the issue names one"
        return _passed_over(db_path, run_id, issue, why)
    spec = IssueSpec(
        url=issue.url,
        title=issue.title,
        body=issue.body,
        repo=issue.repo,
        language=issue.language,
    )
    began = time.monotonic()
    try:
        summary = call_subflow(
            fix_flow,
            db_path=db_path,
            issue=spec,
            repo_path=path,
            files=files,
            runs_dir=context.params.runs_dir,
            policy=context.policy,
            llm=context.llm,
            llm_policy=context.llm_policy,
            risk=issue.risk,
            tokens_left=context.budget.tokens_left(issue.repo),
            parent_run_id=run_id,
        )
    except Exception as error:  # one issue that breaks never stops the others
        why = f"fix failed: {type(error).__name__}: {error}"
        return _passed_over(db_path, run_id, issue, why, "FAILED")
    finally:
        context.budget.spent(issue, 0, time.monotonic() - began)
    context.budget.spent(issue, summary.tokens, 0.0)
    if summary.budget_stop:
        record_issue_event(db_path, run_id, issue.url, "SKIPPED", summary.budget_stop)
    if issue.decision == "auto-merge+notify" and summary.states.get("MERGED"):
        detail = f"merged without review (risk {issue.risk}): {issue.repo} #{issue.number}"
        record_issue_event(db_path, run_id, issue.url, "NOTIFY", detail)
    return IssueOutcome(
        url=issue.url,
        repo=issue.repo,
        rank=issue.rank,
        decision=issue.decision,
        status="SKIPPED" if summary.budget_stop else "ATTEMPTED",
        reason=summary.budget_stop
        or "; ".join(f"{k}: {v}" for k, v in summary.problems.items())
        or None,
        fix_run_id=summary.run_id,
        states=summary.states,
        tokens=summary.tokens,
    )


def _passed_over(
    db_path: Path, run_id: str, issue: SolveIssue, why: str, status: str = "SKIPPED"
) -> IssueOutcome:
    """An issue not tried (SKIPPED) or whose attempt broke (FAILED): an event with why."""
    record_issue_event(db_path, run_id, issue.url, status, why)
    return IssueOutcome(
        url=issue.url,
        repo=issue.repo,
        rank=issue.rank,
        decision=issue.decision,
        status=status,
        reason=why,
    )


def _summary(
    run_id: str,
    issues: list[SolveIssue],
    never: list[str],
    outcomes: list[IssueOutcome],
    notice: str | None,
) -> SolveSummary:
    status = Counter(outcome.status for outcome in outcomes)
    states: Counter[str] = Counter()
    for outcome in outcomes:
        states.update(outcome.states)
    return SolveSummary(
        run_id=run_id,
        candidates=len(issues),
        attempted=status["ATTEMPTED"],
        skipped=status["SKIPPED"],
        failed=status["FAILED"],
        never=never,
        states=dict(states),
        tokens=sum(outcome.tokens for outcome in outcomes),
        outcomes=outcomes,
        notice=notice,
    )
