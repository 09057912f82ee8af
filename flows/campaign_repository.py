"""One repository of a campaign: baseline, then per batch apply -> verify -> gate -> propose."""

from __future__ import annotations

import threading
import uuid
from collections import Counter, deque
from pathlib import Path
from typing import Literal

from prefect import flow, get_run_logger
from pydantic import BaseModel, model_validator

from fixers.gate import GateDecision, MergePolicy, decide
from fixers.lifecycle import Change, ChangeState, Next, RolloutLimits, next_state
from fixers.plan import Batch, PlanItem, make_batches, split_batch
from fixers.pr_body import render_pr_body
from fixers.verification import InterpreterRun, SuiteSummary, Verification, verify_across
from flows.runtime.ledger_hooks import LEDGER_HOOKS
from flows.runtime.once import once
from tasks.campaign.environments import (
    ensure_environment_task,
    find_interpreter,
    interpreter_version,
    locate_interpreter,
)
from tasks.campaign.recipes import AppliedBatch, apply_batch
from tasks.campaign.repo_state import (
    Base,
    drop_branch,
    guard_branch,
    prepare_base,
    remove_worktree,
)
from tasks.campaign.sandbox import Limits, rerun_failures_task, run_suite_task
from tasks.github.http import GitHubEndpoint
from tasks.local.git import GitError
from tasks.pulls.github import auto_merge_github, publish_github
from tasks.pulls.local import merge_local, publish_local
from tasks.pulls.provider import ProviderError
from tasks.store.ledger import count_changes, record_change, record_plan_items

# Roll-out limits are counted in the ledger; one campaign's repositories share this process.
_ROLLOUT = threading.Lock()


class CampaignPolicy(BaseModel):
    """How a campaign batches, gates and rolls out its changes."""

    batch_size: int = 10
    max_lines: int = 300
    group_by: str = "directory"
    merge: MergePolicy = MergePolicy()
    rollout: RolloutLimits = RolloutLimits()
    limits: Limits = Limits()
    dry_run: bool = False
    provider: Literal["local", "github"] = "local"
    github: GitHubEndpoint = GitHubEndpoint()  # where the github provider opens pull requests
    python: str | None = None  # runs the targets' suites (needs pytest, pytest-cov); no env built
    environments: bool = True  # each target's suite in an env of its declared deps (README)
    envs_dir: Path | None = None  # the environments' cache; None: `envs/` beside the db
    # versions ("3.11", "3.12") each suite runs under, each in its own environment, with its
    # own baseline; the change merges only if it would under every one. Empty: one interpreter
    # (upgrade-python's target version, else ours)
    test_pythons: list[str] = []

    @model_validator(mode="after")
    def _one_way_to_name_interpreters(self) -> CampaignPolicy:
        if self.python is not None and self.test_pythons:
            raise ValueError("python names the interpreter; test_pythons cannot be given too")
        return self


# An interpreter the suites run under: its version ("3.12.1"; "" when unknown) and its path.
Suite = tuple[str, str]


@flow(name="campaign-repository", **LEDGER_HOOKS)
def repository_flow(
    db_path: Path,
    run_id: str,
    repo_path: Path,
    items: list[PlanItem],
    recipe: str,
    options: dict,
    worktree_root: Path,
    policy: CampaignPolicy,
    parent_run_id: str | None = None,
    generated_by: str | None = None,
) -> dict[str, int]:
    """Every pending batch of one repository through the pipeline; the states reached."""
    base = prepare_base(repo_path, worktree_root / "baseline")
    suites, env_error = _suite_pythons(db_path, repo_path, worktree_root, recipe, options, policy)
    befores = [  # each interpreter's own baseline: a failure there is never the change's
        run_suite_task(worktree_root / "baseline", policy.limits, python).summary()
        for _, python in suites
    ]
    remove_worktree(repo_path, worktree_root / "baseline")
    batches = make_batches(
        items, policy.batch_size, policy.max_lines, policy.group_by, base.codeowners
    )
    states: Counter[str] = Counter()
    if env_error is not None:  # no suite can run: every change is held, and says why
        for batch in batches:
            change = _new_change(
                run_id, recipe, batch, base, generated_by or f"recipe:{recipe}", len(batches) > 1
            )
            _block(db_path, change, batch, env_error, items_too=True)
            states[ChangeState.BLOCKED] += 1
        return dict(states)
    waiting, several, index = deque(batches), len(batches) > 1, 0
    while waiting:
        batch, index = waiting.popleft(), index + 1
        change = _new_change(
            run_id, recipe, batch, base, generated_by or f"recipe:{recipe}", several=several
        )
        refusal = guard_branch(repo_path, base.sha, change.branch)
        if refusal:
            states[_block(db_path, change, batch, refusal).state] += 1
            continue
        worktree = worktree_root / f"batch-{index}"
        attempt = change
        change = _propose(
            db_path,
            repo_path,
            worktree,
            worktree_root / "merge",
            change,
            batch,
            recipe,
            options,
            list(zip(suites, befores, strict=True)),
            policy,
        )
        remove_worktree(repo_path, worktree)
        if change is None:  # the final diff is over the cap: each half becomes a change
            drop_branch(repo_path, attempt.branch)
            waiting.extendleft(reversed(split_batch(batch)))
            several = True
            continue
        states[change.state] += 1
    return dict(states)


def _suite_pythons(
    db_path: Path,
    repo_path: Path,
    worktree_root: Path,
    recipe: str,
    options: dict,
    policy: CampaignPolicy,
) -> tuple[list[Suite], str | None]:
    """The interpreters the suites run under, and why there is none: the repository's own
    environment of each (built once, cached), unless the policy names a python (that one) or
    turns environments off (the base interpreters; ours when none is asked for). Without
    `test_pythons` upgrade-python runs under its target version, found or not (then ours);
    a version `test_pythons` asks for and this machine lacks holds every change."""
    if policy.python is not None:
        return [("", policy.python)], None
    if policy.test_pythons:
        bases = {v: locate_interpreter(v) for v in dict.fromkeys(policy.test_pythons)}
        missing = [v for v, found in bases.items() if found is None]
        if missing:
            return [], f"environment: no Python {', '.join(missing)} on this machine"
        pythons = [found for found in bases.values() if found is not None]
    else:
        version = options.get("target_version") if recipe == "upgrade-python" else None
        pythons = [find_interpreter(version if policy.environments else None)]
    if not policy.environments:
        return [(interpreter_version(p) or "", p) for p in pythons], None
    suites = []
    for base in pythons:
        env = ensure_environment_task(
            worktree_root / "baseline",
            base,
            policy.envs_dir or Path(db_path).absolute().parent / "envs",
            str(Path(repo_path).absolute()),
        )
        how = "built" if env.built else "reused" if env.error is None else "not built"
        get_run_logger().info(
            "test environment %s %s in %.1fs (python %s)",
            *(env.key, how, env.seconds, env.interpreter),
        )
        if env.error is not None or env.python_path is None:
            which = f"Python {env.interpreter or base}: " if len(pythons) > 1 else ""
            return [], f"environment: {which}{env.error}"
        suites.append((env.interpreter, env.python_path))
    return suites, None


def _block(db_path: Path, change: Change, batch: Batch, reason: str, items_too=False) -> Change:
    """Record the change BLOCKED for `reason`; with `items_too` its plan items say so too."""
    blocked = change.model_copy(update={"state": ChangeState.BLOCKED, "gate_reasons": [reason]})
    if items_too:
        update = {"reason": reason, "status": "BLOCKED", "change_id": change.change_id}
        record_plan_items(db_path, [i.model_copy(update=update) for i in batch.items])
    record_change(db_path, blocked.model_dump(), None, batch.items, reason)
    return blocked


def _propose(
    db_path: Path,
    repo_path: Path,
    worktree: Path,
    merge_worktree: Path,
    change: Change,
    batch: Batch,
    recipe: str,
    options: dict,
    baselines: list[tuple[Suite, SuiteSummary]],
    policy: CampaignPolicy,
) -> Change | None:
    """Apply, verify, gate and publish one batch; record the change in every case. None when
    the final diff (after formatting) is over `max_lines` and the batch can still be split."""
    applied = _apply(repo_path, worktree, change, batch, recipe, options)
    over = applied.lines_added + applied.lines_removed > policy.max_lines
    if applied.commit_sha is not None and over and len(batch.items) > 1:
        return None
    if applied.commit_sha is None:
        failed = change.model_copy(
            update={"state": ChangeState.FAILED, "gate_reasons": [applied.error or "no change"]}
        )
        record_change(db_path, failed.model_dump(), None, batch.items, applied.error)
        return failed
    runs = [  # each interpreter's after-run, compared with that interpreter's baseline
        _verify(worktree, policy.limits, version, python, before)
        for (version, python), before in baselines
    ]
    verification = verify_across(change.change_id, runs)
    facts = verification.facts([i.confidence for i in batch.items], [i.risk for i in batch.items])
    decision = decide(policy.merge, facts)
    body = render_pr_body(
        f"{recipe}: {batch.key}",
        batch,
        change.run_id,
        runs[0].before.model_dump(),
        runs[0].after.model_dump(),
        decision,
        verification.flaky,
        per_python=[(r.version, r.before.model_dump(), r.after.model_dump()) for r in runs],
    )
    change = change.model_copy(
        update={
            "commit_sha": applied.commit_sha,
            "files_changed": applied.files_changed,
            "lines_added": applied.lines_added,
            "lines_removed": applied.lines_removed,
            "diff": applied.diff,
            "gate_merge": decision.merge,
            "gate_reasons": decision.reasons,
            "pr_body": body,
        }
    )
    with _ROLLOUT:  # count, publish and record as one step, or parallel repos overshoot limits
        return _publish(
            db_path, repo_path, merge_worktree, change, batch, verification, decision, policy
        )


def _apply(
    repo_path: Path, worktree: Path, change: Change, batch: Batch, recipe: str, options: dict
) -> AppliedBatch:
    """The batch's commit on its branch, or why there is none: one batch git refuses becomes a
    failed change and never stops the repository's other batches."""
    try:
        return apply_batch(
            repo_path,
            worktree,
            change.branch,
            change.base_sha,
            batch,
            recipe,
            options,
            change.run_id,
        )
    except GitError as error:
        return AppliedBatch(
            branch=change.branch, base_sha=change.base_sha, commit_sha=None, error=str(error)
        )


def _verify(
    worktree: Path, limits: Limits, version: str, python: str, before: SuiteSummary
) -> InterpreterRun:
    """The suite after the change under one interpreter, and the flaky names among its
    failures: failures and errors alike get one rerun, so a flake is not blamed on the change."""
    after_result = run_suite_task(worktree, limits, python)
    flaky = []
    if after_result.failed_names:
        flaky = rerun_failures_task(worktree, after_result, limits, python)
    return InterpreterRun(
        version=version, python=python, before=before, after=after_result.summary(), flaky=flaky
    )


def _publish(
    db_path: Path,
    repo_path: Path,
    merge_worktree: Path,
    change: Change,
    batch: Batch,
    verification: Verification,
    decision: GateDecision,
    policy: CampaignPolicy,
) -> Change:
    """Decide the state under the roll-out limits, publish and merge as it says, record it."""
    step = next_state(
        decision,
        policy.dry_run,
        count_changes(db_path, change.run_id, ["OPEN"], None),
        count_changes(db_path, change.run_id, ["OPEN", "MERGED"], 1.0),
        policy.rollout,
    )
    change = change.model_copy(update={"state": step.state, "provider": policy.provider})
    detail = step.why
    try:
        if step.publish and policy.provider == "github":
            return _publish_github(
                db_path, repo_path, change, batch, verification, step, policy.github
            )
        key = f"globallm/{change.change_id}/{change.commit_sha}"
        if step.publish:
            change.pr_url = publish_local(repo_path, change.branch).url
        if step.merge:
            change.merge_sha = once(
                f"{key}/merge-local",
                lambda: merge_local(
                    repo_path,
                    change.branch,
                    change.commit_sha,
                    change.base_branch,
                    merge_worktree,
                    f"Merge {change.branch}",
                ),
            )
            change.merged = True
    except ProviderError as error:
        change.state, detail = ChangeState.FAILED, str(error)
    record_change(db_path, change.model_dump(), verification.model_dump(), batch.items, detail)
    return change


def _publish_github(
    db_path: Path,
    repo_path: Path,
    change: Change,
    batch: Batch,
    verification: Verification,
    step: Next,
    github: GitHubEndpoint,
) -> Change:
    """Open the pull request on GitHub; where the gate passed, GitHub merges it once the
    required checks pass (auto-merge), so the change stays OPEN until then."""
    detail = step.why
    try:
        key = f"globallm/{change.change_id}/{change.commit_sha}"
        pull = once(
            f"{key}/publish-github",
            lambda: publish_github(
                repo_path,
                change.branch,
                change.base_branch,
                f"{change.generated_by}: {change.batch_key}",
                change.pr_body or "",
                batch.owners,
                github,
            ),
        )
        change.pr_url = pull.url
        if step.merge:
            merge = lambda: auto_merge_github(pull.node_id, github)  # noqa: E731
            detail = once(f"{key}/auto-merge-github", merge)
        change.state = ChangeState.OPEN
    except ProviderError as error:
        change.state, detail = ChangeState.FAILED, str(error)
    record_change(db_path, change.model_dump(), verification.model_dump(), batch.items, detail)
    return change


def _new_change(
    run_id: str, recipe: str, batch: Batch, base: Base, generated_by: str, several: bool
) -> Change:
    """A change named by its plan items: the same batch gets the same id and branch when a
    run is resumed, and a different batch never takes over another's ledger row."""
    items = ",".join(sorted(item.plan_item_id for item in batch.items))
    change_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{run_id}/{batch.items[0].repo}/{items}"))
    # `-` not `/`: git cannot hold both refs `a/b` and `a/b/c`
    branch = f"globallm/{run_id}/{recipe}" + (f"-{change_id[:8]}" if several else "")
    return Change(
        change_id=change_id,
        run_id=run_id,
        repo=batch.items[0].repo,
        batch_key=batch.key,
        branch=branch,
        base_branch=base.branch,
        base_sha=base.sha,
        plan_item_id=batch.items[0].plan_item_id,
        generated_by=generated_by,
    )
