"""The triage flow: every open issue gets a category, a complexity, a scope, a breaking risk,
whether a patch could solve it (and why), a confidence, and the method that said so.

Methods, best available first: an offline classifier trained on the warehouse's own labelled
issues (labels are free supervision), else a heuristic over labels and text. Each landed row
is keyed by the issue's `updated_at` and the method's version, so an unchanged issue is never
triaged twice; `rank` then rebuilds the marts so `prioritize --issues` shows the verdicts.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from prefect import flow
from prefect.runtime import flow_run
from pydantic import BaseModel

from flows.runtime.ledger_hooks import LEDGER_HOOKS
from flows.score import Ranked, Scoring, build_and_score
from scoring.issue_classifier import (
    ClassifierConfig,
    IssueClassifier,
    NotEnoughLabels,
    issue_text,
    label_category,
    train_classifier,
)
from scoring.triage_rows import HEURISTIC_VERSION, triage_rows
from tasks.progress import progress_steps
from tasks.store.triage import land_triage, read_labelled, read_untriaged

BATCH = 500  # issues per classified and landed batch: progress, and bounded memory


class TriageMethod(StrEnum):
    auto = "auto"
    classifier = "classifier"
    heuristic = "heuristic"


class TriageSummary(BaseModel):
    method: str
    version: str
    notice: str
    open_issues: int
    triaged: int
    labelled: int
    ranked: Ranked | None = None


@flow(name="triage", **LEDGER_HOOKS)
def triage_flow(
    db_path: Path,
    repo: str | None = None,
    limit: int | None = None,
    method: TriageMethod = TriageMethod.auto,
    classifier: ClassifierConfig | None = None,
    rank: bool = True,
    scoring: Scoring | None = None,
    parent_run_id: str | None = None,
) -> TriageSummary:
    """Triage the open issues (of `repo`, or all; at most `limit`) not yet triaged as they are
    now by the chosen method; `auto` is the classifier when enough labelled issues exist."""
    labelled = read_labelled(db_path)
    model, notice = _classifier(labelled, method, classifier or ClassifierConfig())
    version = model.version if model else HEURISTIC_VERSION
    issues, open_count = read_untriaged(db_path, version, repo, limit)
    landed = 0
    with progress_steps(f"Triaging {issues.height} open issues", issues.height) as advance:
        for start in range(0, issues.height, BATCH):
            batch = issues.slice(start, BATCH)
            texts = [issue_text(t, b) for t, b in zip(batch["title"], batch["body"], strict=True)]
            predictions = model.predict(texts) if model else None
            landed += land_triage(db_path, triage_rows(batch, predictions, version))
            for number in batch["number"]:
                advance(f"#{number}")
    ranked = None
    if rank:
        ranked = build_and_score(db_path, scoring or Scoring(), str(flow_run.get_id()))
    return TriageSummary(
        method="classifier" if model else "heuristic",
        version=version,
        notice=notice,
        open_issues=open_count,
        triaged=landed,
        labelled=labelled.height,
        ranked=ranked,
    )


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
