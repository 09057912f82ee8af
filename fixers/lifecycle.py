"""The state a change enters after the gate, as the trusted campaign tools do it.

UNPUBLISHED (dry run), BLOCKED (the gate said no), WAITING (a roll-out limit), OPEN (published,
a person decides), MERGED, CLOSED, FAILED, REVERTED. A change has one state at a time; an OPEN
pull request on GitHub moves to MERGED or CLOSED when `runs sync` reads it back.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel

from fixers.gate import GateDecision


class ChangeState(StrEnum):
    UNPUBLISHED = "UNPUBLISHED"
    BLOCKED = "BLOCKED"
    WAITING = "WAITING"
    OPEN = "OPEN"
    MERGED = "MERGED"
    CLOSED = "CLOSED"
    FAILED = "FAILED"
    REVERTED = "REVERTED"


# A plan item in one of these states is done: a resumed campaign leaves it alone.
FINAL_STATES = {s.value for s in ChangeState if s is not ChangeState.WAITING}


class RolloutLimits(BaseModel):
    max_open_prs: int = 10
    prs_per_hour: int = 20


class Next(BaseModel):
    """What to do with a verified change."""

    state: ChangeState
    publish: bool
    merge: bool
    why: str


def next_state(
    decision: GateDecision,
    dry_run: bool,
    open_now: int,
    published_last_hour: int,
    limits: RolloutLimits,
) -> Next:
    """The gate, then a dry run, then the roll-out limits decide; the first that says no wins."""
    if not decision.merge and not decision.review:
        return Next(
            state=ChangeState.BLOCKED, publish=False, merge=False, why="; ".join(decision.reasons)
        )
    if dry_run:
        return Next(
            state=ChangeState.UNPUBLISHED,
            publish=False,
            merge=False,
            why="dry run: " + "; ".join(decision.reasons),
        )
    if open_now >= limits.max_open_prs:
        return Next(
            state=ChangeState.WAITING,
            publish=False,
            merge=False,
            why=f"{open_now} open pull requests (limit {limits.max_open_prs})",
        )
    if published_last_hour >= limits.prs_per_hour:
        return Next(
            state=ChangeState.WAITING,
            publish=False,
            merge=False,
            why=f"{published_last_hour} published this hour (limit {limits.prs_per_hour})",
        )
    if decision.review:
        return Next(
            state=ChangeState.OPEN, publish=True, merge=False, why="; ".join(decision.reasons)
        )
    return Next(state=ChangeState.MERGED, publish=True, merge=True, why="gate passed")


def after_pull_request(current: ChangeState, pr_state: str, merged: bool) -> ChangeState:
    """The state an OPEN change moves to once its pull request is read back: MERGED (merged
    on the provider, auto-merge included), CLOSED (closed unmerged) or still OPEN. Any other
    state is final here and stays as it is: a sync never reopens or un-merges a change."""
    if current is not ChangeState.OPEN:
        return current
    if merged:
        return ChangeState.MERGED
    return ChangeState.CLOSED if pr_state.lower() == "closed" else ChangeState.OPEN


class Change(BaseModel):
    """One change (a branch, a pull request) as `ledger_changes` stores it."""

    change_id: str
    run_id: str
    repo: str
    batch_key: str
    branch: str
    base_branch: str
    base_sha: str
    plan_item_id: str | None = None
    generated_by: str
    provider: str = "local"
    state: ChangeState = ChangeState.UNPUBLISHED
    commit_sha: str | None = None
    pr_url: str | None = None
    pr_body: str | None = None
    files_changed: int = 0
    lines_added: int = 0
    lines_removed: int = 0
    diff: str | None = None
    gate_merge: bool | None = None
    gate_reasons: list[str] = []
    merged: bool = False
    merge_sha: str | None = None
    reverted: bool = False
    reverts_change_id: str | None = None
