"""Prefect tasks that run recipes over local repositories: plan in memory, apply on a branch.

Planning never writes a file. Applying writes only the planned files, in a worktree of their
own, formats the lines the recipe changed when the project declares a formatter
(tasks/campaign/formatting.py), and commits them as globallm with trailers.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from prefect import task
from pydantic import BaseModel

from fixers.plan import Batch, PlanItem, line_changes
from fixers.recipe import Recipe, load_recipe
from fixers.results import FixResult, FixStatus
from tasks.campaign.formatting import format_changed_lines
from tasks.local import git

MAX_DIFF_CHARS = 200_000  # a diff kept in the ledger for the app; the branch holds it whole


class AppliedBatch(BaseModel):
    """A batch committed on its branch, or why it could not be."""

    branch: str
    base_sha: str
    commit_sha: str | None
    files_changed: int = 0
    lines_added: int = 0
    lines_removed: int = 0
    diff: str | None = None  # the commit's unified diff, cut at MAX_DIFF_CHARS
    failed_items: dict[str, str] = {}  # plan_item_id -> error
    error: str | None = None


class PlanScope(BaseModel):
    """Narrows a plan: only these files, a source other than the recipe (an issue URL),
    SKIPPED results kept as plan items, and files known to have failed already or to be
    passed over (opted out of LLM requests), each with why."""

    files: list[str] = []
    source: str | None = None
    keep_skipped: bool = False
    failures: dict[str, str] = {}
    skips: dict[str, str] = {}


def repo_label(repo_path: Path) -> str:
    """How a repository is named in the ledger: its remote when it has one, else its path."""
    return git.remote_url(repo_path) or str(repo_path)


@task(name="plan-repository")
def plan_repository(
    repo_path: Path,
    recipe_name: str,
    options: dict,
    run_id: str,
    skip_dirs: list[str],
    scope: PlanScope | None = None,
) -> list[PlanItem]:
    """One plan item per file the recipe would change (or fails on); no file is written."""
    recipe = load_recipe(recipe_name, options)
    scope = scope or PlanScope()
    label = repo_label(repo_path)
    skip = set(skip_dirs)
    items = []
    for rel in scope.files or git.listed_files(repo_path):
        if not recipe.applies_to(rel) or not skip.isdisjoint(rel.split("/")[:-1]):
            continue
        result, source = _plan_one(recipe, repo_path, rel, scope)
        if result is None or (result.status is FixStatus.SKIPPED and not scope.keep_skipped):
            continue
        item = _item(
            run_id,
            label,
            repo_path,
            rel,
            recipe,
            result.rules,
            PLAN_STATUS[result.status],
            result.reason,
            scope.source,
        )
        if result.new_source is not None:
            item.lines_added, item.lines_removed = line_changes(source, result.new_source)
        items.append(item)
    return items


PLAN_STATUS = {
    FixStatus.APPLIED: "PLANNED",
    FixStatus.SKIPPED: "SKIPPED",
    FixStatus.FAILED: "FAILED",
}


def _plan_one(
    recipe: Recipe, repo_path: Path, rel: str, scope: PlanScope
) -> tuple[FixResult | None, str]:
    """The recipe's result on one file and the file's text; None for a file to pass over."""
    if rel in scope.failures:
        return FixResult.failed(rel, scope.failures[rel]), ""
    if rel in scope.skips:
        return FixResult.skipped(rel, scope.skips[rel]), ""
    path = repo_path / rel
    if not path.is_file():  # a file named on purpose must exist; a listed one may be gone
        return (FixResult.failed(rel, "no such file") if scope.files else None), ""
    try:
        source = path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError) as error:
        return FixResult.failed(rel, f"unreadable: {error}"), ""
    return recipe.transform(rel, source), source


def _item(
    run_id: str,
    label: str,
    repo_path: Path,
    rel: str,
    recipe: Recipe,
    rules: list[str],
    status: str,
    reason: str,
    source: str | None = None,
) -> PlanItem:
    return PlanItem(
        plan_item_id=str(uuid.uuid4()),
        run_id=run_id,
        repo=label,
        repo_path=str(repo_path),
        file_path=rel,
        reason=reason or recipe.description,
        source=source or f"recipe:{recipe.name}",
        recipe=recipe.name,
        rules=rules,
        confidence=recipe.confidence,
        risk=recipe.risk,
        status=status,
    )


def commit_message(recipe: Recipe, batch: Batch, run_id: str) -> str:
    """A conventional-commit message with the trailers the ledger and reviewers rely on."""
    scope = batch.key.split("#", 1)[0].replace("/", "-").strip(".") or "repo"
    rules = sorted({rule for item in batch.items for rule in item.rules})
    body = [f"- {item.file_path}" for item in batch.items]
    if rules:
        body.append(f"\nRules: {', '.join(rules)}")
    trailers = [f"Run-Id: {run_id}"]
    trailers += [f"Plan-Item: {item.plan_item_id}" for item in batch.items]
    confidence = min(item.confidence for item in batch.items)
    trailers += [f"Confidence: {confidence:.2f}", f"Generated-By: {git.GENERATED_BY}"]
    return (
        f"refactor({scope}): {recipe.description}\n\n"
        + "\n".join(body)
        + "\n\n"
        + "\n".join(trailers)
    )


@task(name="apply-batch")
def apply_batch(
    repo_path: Path,
    worktree: Path,
    branch: str,
    base_sha: str,
    batch: Batch,
    recipe_name: str,
    options: dict,
    run_id: str,
) -> AppliedBatch:
    """Re-make `branch` at `base_sha`, apply the recipe to the batch's files, format, commit."""
    recipe = load_recipe(recipe_name, options)
    git.add_worktree(repo_path, worktree, branch, base_sha)
    originals, failed = _transform(recipe, worktree, batch)
    touched = list(originals)
    if not touched:
        return AppliedBatch(
            branch=branch,
            base_sha=base_sha,
            commit_sha=None,
            failed_items=failed,
            error="nothing left to change on the base",
        )
    format_changed_lines(worktree, originals)
    sha = git.commit_files(worktree, touched, commit_message(recipe, batch, run_id))
    if sha is None:
        return AppliedBatch(
            branch=branch,
            base_sha=base_sha,
            commit_sha=None,
            failed_items=failed,
            error="the change vanished after formatting",
        )
    files, added, removed = git.diff_stats(worktree, base_sha, sha)
    diff = git.diff_text(worktree, base_sha, sha)
    if len(diff) > MAX_DIFF_CHARS:
        diff = diff[:MAX_DIFF_CHARS] + f"\n... diff cut at {MAX_DIFF_CHARS:,} characters\n"
    return AppliedBatch(
        branch=branch,
        base_sha=base_sha,
        commit_sha=sha,
        files_changed=files,
        lines_added=added,
        lines_removed=removed,
        diff=diff,
        failed_items=failed,
    )


def _transform(
    recipe: Recipe, worktree: Path, batch: Batch
) -> tuple[dict[str, str], dict[str, str]]:
    """Run the recipe over the batch's files in the worktree, as they are on the base now (the
    plan may be older): the files it changed (each with its text before), and why each failed
    plan item failed. A file the recipe skips is neither."""
    failed: dict[str, str] = {}
    touched: dict[str, str] = {}
    for item in batch.items:
        path = worktree / item.file_path
        try:
            before = path.read_text(encoding="utf-8")
            result = recipe.transform(item.file_path, before)
        except (OSError, UnicodeDecodeError) as error:
            failed[item.plan_item_id] = f"unreadable: {error}"
            continue
        if result.status is FixStatus.APPLIED and result.new_source is not None:
            path.write_text(result.new_source, encoding="utf-8")
            touched[item.file_path] = before
        elif result.status is FixStatus.FAILED:
            failed[item.plan_item_id] = result.reason
    return touched, failed


@task(name="write-plan-file")
def write_plan_file(
    path: Path, run_id: str, recipe: str, options: dict, items: list[PlanItem]
) -> Path:
    """`runs/<run_id>/plan.json`: the plan as reviewers and scripts read it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "run_id": run_id,
        "recipe": recipe,
        "options": options,
        "items": [item.model_dump(mode="json") for item in items],
    }
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return path
