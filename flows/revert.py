"""`globallm revert CHANGE_ID`: make and propose the revert of a merged change; the ledger links
the two (the new change's `reverts_change_id`, the old one's state REVERTED)."""

from __future__ import annotations

import uuid
from pathlib import Path

from prefect import flow
from prefect.runtime import flow_run

from fixers.lifecycle import Change, ChangeState
from flows.runtime.ledger_hooks import LEDGER_HOOKS
from tasks.campaign.repo_state import revert_branch
from tasks.pulls.local import merge_local, publish_local
from tasks.store.ledger import record_change


@flow(name="revert", **LEDGER_HOOKS)
def revert_flow(db_path: Path, change: dict, worktree_root: Path) -> Change:
    """Revert the change's merge commit on a branch of its own, publish and merge it."""
    run_id = str(flow_run.get_id())
    repo_path = Path(change["repo_path"])
    branch = f"globallm/revert/{change['change_id'][:8]}"
    made = revert_branch(
        repo_path,
        worktree_root / "revert",
        branch,
        change["base_branch"],
        change["merge_sha"],
        f"revert: {change['branch']}\n\nReverts-Change: {change['change_id']}\n"
        f"Run-Id: {run_id}\nGenerated-By: globallm",
    )
    url = publish_local(repo_path, branch).url
    merge_sha = merge_local(
        repo_path,
        branch,
        made.commit_sha,
        change["base_branch"],
        worktree_root / "merge",
        f"Merge {branch}",
    )
    revert = Change(
        change_id=str(uuid.uuid4()),
        run_id=run_id,
        repo=change["repo"],
        batch_key=change["batch_key"],
        branch=branch,
        base_branch=change["base_branch"],
        base_sha=made.base_sha,
        generated_by="revert",
        state=ChangeState.MERGED,
        commit_sha=made.commit_sha,
        pr_url=url,
        files_changed=made.files_changed,
        lines_added=made.lines_added,
        lines_removed=made.lines_removed,
        merged=True,
        merge_sha=merge_sha,
        reverts_change_id=change["change_id"],
        gate_reasons=[f"revert of {change['change_id']}"],
    )
    record_change(db_path, revert.model_dump(), None, [], f"reverts {change['change_id']}")
    original = {k: v for k, v in change.items() if k in Change.model_fields}
    original.update(state=ChangeState.REVERTED, reverted=True)
    record_change(db_path, original, None, [], f"reverted by {revert.change_id}")
    return revert
