"""The `raw_issue_triage` rows of a batch of issues: the heuristic reads every field from the
text, a classifier, when one could be trained, replaces the category and its confidence, and
an LLM's answer (scoring/triage_answer.py) gives every field itself.

Pure, so the triage flow only orders reading, deciding and landing.
"""

from __future__ import annotations

import polars as pl

from scoring.triage_answer import TriageAnswer
from scoring.triage_heuristic import triage_heuristic

HEURISTIC_VERSION = "heuristic-1"  # raise when the heuristic's rules change: issues re-triage

# What an automated patch cannot settle whatever the complexity (the reason says why).
NOT_SOLVABLE = {
    "security": "security issues are never automated: a person handles them",
    "question": "a question asks for an answer, not a code change",
}

SCHEMA = {"scope": pl.List(pl.String), "complexity": pl.Int32, "confidence": pl.Float64}
COLUMNS = ["issue_id", "issue_updated_at", "model_version", "method", "category", "complexity",
           "scope", "breaking_risk", "solvable", "solvable_reason", "confidence"]  # fmt: skip


def triage_rows(
    issues: pl.DataFrame,
    predictions: list[tuple[str, float]] | None = None,
    classifier_version: str | None = None,
) -> pl.DataFrame:
    """One row per issue (columns issue_id, updated_at, title, body, labels). With
    `predictions` (category, confidence per issue, in order) the rows are the classifier's,
    keyed by `classifier_version`; without, the heuristic's."""
    rows = []
    for index, issue in enumerate(issues.iter_rows(named=True)):
        verdict = triage_heuristic(issue["title"], issue["body"], list(issue["labels"] or []))
        row = verdict.model_dump()
        row["solvable_reason"] = row.pop("reason")
        row |= {"issue_id": issue["issue_id"], "issue_updated_at": issue["updated_at"]}
        if predictions is None:
            row |= {"model_version": HEURISTIC_VERSION, "method": "heuristic"}
        else:
            category, confidence = predictions[index]
            row |= _classified(row, category, confidence, classifier_version or "classifier")
        rows.append(row)
    return _frame(rows)


def llm_triage_rows(
    issues: pl.DataFrame, answers: dict[str, TriageAnswer], version: str, model: str
) -> pl.DataFrame:
    """One row per issue of `issues` (issue_id, updated_at) that has an answer, method
    `llm:<model>` keyed by `version`. The model's word on solvability stands, except that a
    category nobody automates is never solvable (as for the classifier)."""
    rows = []
    for issue in issues.select("issue_id", "updated_at").iter_rows(named=True):
        answer = answers.get(issue["issue_id"])
        if answer is None:
            continue
        row = answer.model_dump()
        solvable, reason = answer.solvable, answer.solvable_reason
        if answer.category in NOT_SOLVABLE and solvable:
            solvable, reason = False, f"{NOT_SOLVABLE[answer.category]} (the model: {reason})"
        row |= {
            "issue_id": issue["issue_id"],
            "issue_updated_at": issue["updated_at"],
            "model_version": version,
            "method": f"llm:{model}",
            "solvable": solvable,
            "solvable_reason": f"llm {model}: {reason}",
            "confidence": round(float(answer.confidence), 4),
        }
        rows.append(row)
    return _frame(rows)


def _frame(rows: list[dict]) -> pl.DataFrame:
    if not rows:
        return pl.DataFrame(schema={c: SCHEMA.get(c, pl.String) for c in COLUMNS})
    return pl.DataFrame(rows, schema_overrides=SCHEMA).select(COLUMNS)


def _classified(heuristic: dict, category: str, confidence: float, version: str) -> dict:
    """The classifier's category and confidence over the heuristic's other fields; the reason
    says both, and a category nobody automates is not solvable."""
    changed = category != heuristic["category"]
    solvable, reason = heuristic["solvable"], heuristic["solvable_reason"]
    if category in NOT_SOLVABLE:
        solvable, reason = False, NOT_SOLVABLE[category]
    elif changed and heuristic["category"] in NOT_SOLVABLE:
        solvable = heuristic["complexity"] < 8
        reason = "complexity allows a patch" if solvable else "too complex for a patch"
    return {
        "category": category,
        "confidence": round(float(confidence), 4),
        "solvable": solvable,
        "solvable_reason": f"classifier {category} (p={confidence:.2f}); {reason}",
        "model_version": version,
        "method": "classifier",
    }
