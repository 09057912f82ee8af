"""The triage flow: every open issue gets a category, a complexity, a scope, a breaking risk,
whether a patch could solve it (and why), a confidence, and the method that said so.

Methods, best available first: the configured LLM (prompts/issue_triage.j2, through the privacy
gate: tasks/llm/triage.py), else an offline classifier trained on the warehouse's own labelled
issues (labels are free supervision), else a heuristic over labels and text. An issue the LLM
gave no usable answer for is triaged by the classifier or the heuristic instead, and the
summary says how many and why. Each landed row is keyed by the issue's `updated_at` and the
method's version (`llm-<model>-<prompt sha>` for the LLM), so an unchanged issue is never
triaged twice; `rank` then rebuilds the marts so `prioritize --issues` shows the verdicts.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import polars as pl
from prefect import flow
from prefect.runtime import flow_run
from pydantic import BaseModel

from flows.runtime.ledger_hooks import LEDGER_HOOKS
from flows.score import Ranked, Scoring, build_and_score
from scoring.budget import BudgetLimits
from scoring.issue_classifier import (
    ClassifierConfig,
    IssueClassifier,
    NotEnoughLabels,
    issue_text,
    train_classifier,
)
from scoring.issue_labels import label_category
from scoring.triage_rows import HEURISTIC_VERSION, llm_triage_rows, triage_rows
from tasks.llm.client import llm_configured
from tasks.llm.endpoint import LlmEndpoint, LlmPolicy
from tasks.llm.pacing import ensure_llm_limits
from tasks.llm.triage import issues_for_triage, llm_version, triage_with_llm
from tasks.progress import progress_steps
from tasks.store.budget import read_spend
from tasks.store.ledger import purge_llm_texts, record_llm_calls
from tasks.store.triage import land_triage, read_checkouts, read_labelled, read_untriaged

BATCH = 500  # issues per classified and landed batch: progress, and bounded memory
LLM_BATCH = 10  # issues per LLM batch: answers land (and calls are recorded) as they come
NO_LLM = (
    "no LLM configured: set llm.base_url (e.g. GLOBALLM_LLM_BASE_URL) or an API key "
    "(GLOBALLM_LLM_API_KEY / OPENAI_API_KEY)"
)


class TriageMethod(StrEnum):
    auto = "auto"
    llm = "llm"
    classifier = "classifier"
    heuristic = "heuristic"


class NoLlmConfigured(RuntimeError):
    """`--method llm` without an LLM to ask; the message says what to set."""


class TriageOptions(BaseModel):
    """How each method triages: the classifier's training, and the LLM to ask (None, or no
    base URL and no API key: no LLM) with its privacy gate. No secret: the API key is read
    from the environment inside the task."""

    classifier: ClassifierConfig = ClassifierConfig()
    llm: LlmEndpoint | None = None
    llm_policy: LlmPolicy | None = None
    budgets: BudgetLimits | None = None  # the week's and each repository's LLM tokens


class TriageSummary(BaseModel):
    method: str
    version: str
    notice: str
    open_issues: int
    triaged: int
    labelled: int
    ranked: Ranked | None = None
    llm_calls: int = 0  # requests to the LLM, cache hits included
    cache_hits: int = 0
    tokens: int = 0
    cost: float = 0.0
    fallbacks: int = 0  # issues the LLM gave no usable answer for, triaged offline instead
    fallback_reason: str | None = None  # the first one's reason


@flow(name="triage", **LEDGER_HOOKS)
def triage_flow(
    db_path: Path,
    repo: str | None = None,
    limit: int | None = None,
    method: TriageMethod = TriageMethod.auto,
    rank: bool = True,
    scoring: Scoring | None = None,
    options: TriageOptions | None = None,
    parent_run_id: str | None = None,
) -> TriageSummary:
    """Triage the open issues (of `repo`, or all; at most `limit`) not yet triaged as they are
    now by the chosen method; `auto` is the LLM `options.llm` names when one is configured (a
    base URL, or an API key in the environment), else the classifier when enough labelled
    issues exist, else the heuristic. The LLM's prompts pass the privacy gate
    `options.llm_policy`."""
    options = options or TriageOptions()
    llm = options.llm
    if method == TriageMethod.llm and not llm_configured(llm):
        raise NoLlmConfigured(NO_LLM)
    labelled = read_labelled(db_path)
    config = options.classifier
    if method == TriageMethod.llm or (method == TriageMethod.auto and llm_configured(llm)):
        summary = _triage_by_llm(
            db_path,
            repo,
            limit,
            labelled,
            config,
            llm or LlmEndpoint(),
            options.llm_policy,
            options.budgets,
        )
    else:
        model, notice = _classifier(labelled, method, config)
        version = model.version if model else HEURISTIC_VERSION
        issues, open_count = read_untriaged(db_path, version, repo, limit)
        landed = 0
        with progress_steps(f"Triaging {issues.height} open issues", issues.height) as advance:
            for start in range(0, issues.height, BATCH):
                batch = issues.slice(start, BATCH)
                landed += _land_offline(db_path, batch, model)
                for number in batch["number"]:
                    advance(f"#{number}")
        summary = TriageSummary(
            method="classifier" if model else "heuristic",
            version=version,
            notice=notice,
            open_issues=open_count,
            triaged=landed,
            labelled=labelled.height,
        )
    if rank:
        summary.ranked = build_and_score(db_path, scoring or Scoring(), str(flow_run.get_id()))
    return summary


def _triage_by_llm(
    db_path: Path,
    repo: str | None,
    limit: int | None,
    labelled: pl.DataFrame,
    config: ClassifierConfig,
    llm: LlmEndpoint,
    llm_policy: LlmPolicy | None,
    budgets: BudgetLimits | None = None,
) -> TriageSummary:
    """The LLM's triage of each untriaged issue, in batches; an issue it gave no usable answer
    for gets the classifier's row (trained only when first needed) or the heuristic's."""
    run_id = str(flow_run.get_id())
    policy = llm_policy or LlmPolicy()
    version = llm_version(llm)
    issues, open_count = read_untriaged(db_path, version, repo, limit)
    checkouts = read_checkouts(db_path) if issues.height else {}
    limits = ensure_llm_limits(llm) if issues.height else None
    spend = read_spend(db_path) if issues.height and budgets is not None else None
    offline: tuple[IssueClassifier | None, str] | None = None
    calls, landed, fallbacks, reason = [], 0, 0, None
    title = f"Triaging {issues.height} open issues with {llm.model}"
    with progress_steps(title, issues.height) as advance:
        for start in range(0, issues.height, LLM_BATCH):
            batch = issues.slice(start, LLM_BATCH)
            asked = triage_with_llm(
                issues_for_triage(batch),
                run_id,
                llm,
                policy,
                db_path,
                limits,
                checkouts,
                budgets,
                spend,
            )
            spend = asked.spend
            record_llm_calls(db_path, asked.calls)
            calls += asked.calls
            rows = llm_triage_rows(batch, asked.answers, version, asked.model or llm.model)
            landed += land_triage(db_path, rows)
            if asked.problems:
                offline = offline or _classifier(labelled, TriageMethod.auto, config)
                failed = batch.filter(pl.col("issue_id").is_in(list(asked.problems)))
                landed += _land_offline(db_path, failed, offline[0])
                fallbacks += failed.height
                reason = reason or next(iter(asked.problems.values()))
            for number in batch["number"]:
                advance(f"#{number}")
    if calls:
        purge_llm_texts(db_path, policy.retention_days)
    notice = f"LLM triage by {llm.model} (prompt issue_triage, version {version})"
    if fallbacks and offline is not None:
        fallen = "classifier" if offline[0] else "heuristic"
        notice += f"; {fallbacks} issue(s) fell back to the {fallen}: {reason}"
    return TriageSummary(
        method="llm",
        version=version,
        notice=notice,
        open_issues=open_count,
        triaged=landed,
        labelled=labelled.height,
        llm_calls=len(calls),
        cache_hits=sum(call.cache_hit for call in calls),
        tokens=sum((call.tokens_in or 0) + (call.tokens_out or 0) for call in calls),
        cost=sum(call.cost for call in calls),
        fallbacks=fallbacks,
        fallback_reason=reason,
    )


def _land_offline(db_path: Path, batch: pl.DataFrame, model: IssueClassifier | None) -> int:
    """The classifier's rows of the batch (the heuristic's without one), landed."""
    texts = [issue_text(t, b) for t, b in zip(batch["title"], batch["body"], strict=True)]
    predictions = model.predict(texts) if model else None
    version = model.version if model else HEURISTIC_VERSION
    return land_triage(db_path, triage_rows(batch, predictions, version))


def _classifier(
    labelled, method: TriageMethod, config: ClassifierConfig
) -> tuple[IssueClassifier | None, str]:
    """The classifier trained on the labelled issues, or None with the reason the heuristic
    runs instead (the summary's notice says which method ran and why)."""
    if method == TriageMethod.heuristic:
        return None, "heuristic triage (--method heuristic)"
    texts, categories = [], []
    for title, body, labels in labelled.select("title", "body", "labels").iter_rows():
        category = label_category(labels or [])
        if category is not None:
            texts.append(issue_text(title, body))
            categories.append(category)
    try:
        model = train_classifier(texts, categories, config)
    except NotEnoughLabels as error:
        if method == TriageMethod.classifier:
            raise
        return None, f"heuristic triage: {error}"
    return model, f"classifier {model.version} trained on {len(texts)} labelled issues"
