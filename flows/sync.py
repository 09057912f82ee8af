"""`globallm runs sync`: read the GitHub pull requests of OPEN changes back into the ledger.

GitHub merges a change (auto-merge, once its checks pass) or a person closes it long after the
campaign that opened it has ended; only reading it back moves the change to MERGED or CLOSED.
Pull requests are read one after another, oldest change first: a sync makes two reads per open
change, well inside GitHub's rate limits, and a change already MERGED or CLOSED is never read
again.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from prefect import flow
from pydantic import BaseModel

from flows.runtime.ledger_hooks import LEDGER_HOOKS
from tasks.github.http import GitHubEndpoint
from tasks.pulls.github_status import read_pull_status, require_github
from tasks.store.ledger import SyncRow, load_open_changes, record_sync


class SyncSummary(BaseModel):
    """What one sync read and moved; stored as the run's summary."""

    rows: list[SyncRow]
    states: dict[str, int]  # the changes' states after the sync
    unread: int  # pull requests GitHub did not answer for; their changes stay OPEN


@flow(name="sync", **LEDGER_HOOKS)
def sync_flow(
    db_path: Path, run_id: str | None = None, github: GitHubEndpoint | None = None
) -> SyncSummary:
    """Every OPEN github change (of one run if given): read its pull request and head commit's
    checks at `github` (default github.com), then record MERGED, CLOSED or still OPEN with one
    event per change."""
    rows = []
    changes = load_open_changes(db_path, "github", run_id)
    if changes:
        require_github(github)
    for change in changes:
        status = read_pull_status(change["pr_url"] or "", github)
        rows.append(record_sync(db_path, change, status))
    return SyncSummary(
        rows=rows,
        states=dict(Counter(row.after for row in rows)),
        unread=sum(row.error is not None for row in rows),
    )
