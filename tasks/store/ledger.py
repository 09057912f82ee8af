"""Prefect tasks that write the fix engine's ledger through warehouse.io.ledger."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel

from fixers.lifecycle import ChangeState, after_pull_request
from fixers.plan import PlanItem
from tasks.llm.client import LlmCall
from tasks.pulls.github_status import PullStatus, checks_text
from warehouse.io import ledger, llm_cache, store
from warehouse.io.llm_cache import Purged
from warehouse.readers import run_queries


@task(name="record-plan-items")
def record_plan_items(db_path: Path, items: list[PlanItem], state: str | None = None) -> None:
    """Upsert plan items; with `state`, also an event per item."""
    with store.connect(db_path) as con:
        ledger.upsert_plan_items(con, [item.model_dump() for item in items])
        for item in items if state else []:
            store.record_event(
                con,
                item.run_id,
                state,
                subject_kind="plan_item",
                subject_id=item.plan_item_id,
                detail=item.file_path,
            )


@task(name="record-change")
def record_change(
    db_path: Path,
    change: dict[str, Any],
    verification: dict[str, Any] | None,
    items: list[PlanItem],
    detail: str | None = None,
) -> None:
    """Upsert a change and its verification, move its plan items to its state, add an event."""
    with store.connect(db_path) as con:
        ledger.upsert_change(con, change)
        if verification is not None:
            store.land(con, "ledger_verifications", [verification])
        ids = [item.plan_item_id for item in items]
        if ids:
            ledger.set_plan_items_state(con, ids, change["state"], change["change_id"])
        store.record_event(
            con,
            change["run_id"],
            change["state"],
            subject_kind="change",
            subject_id=change["change_id"],
            detail=detail,
        )


@task(name="count-changes")
def count_changes(db_path: Path, run_id: str, states: list[str], since_hours: float | None) -> int:
    with store.connect(db_path) as con:
        return ledger.count_changes(con, run_id, states, since_hours)


@task(name="load-plan")
def load_plan(db_path: Path, run_id: str) -> list[PlanItem]:
    with store.connect(db_path) as con:
        return [PlanItem.model_validate(row) for row in ledger.plan_items(con, run_id)]


@task(name="record-llm-calls")
def record_llm_calls(db_path: Path, calls: list[LlmCall]) -> None:
    """One `ledger_llm_calls` row per answered request: prompt, model, tokens, cost, latency."""
    if calls:
        with store.connect(db_path) as con:
            store.land(con, "ledger_llm_calls", calls)


@task(name="purge-llm-texts", cache_policy=NO_CACHE)
def purge_llm_texts(db_path: Path, older_than_days: float) -> Purged:
    """Retention: the prompts and answers of LLM calls older than the limit, and cached
    answers as old, are removed; call rows (tokens, cost) and everything else stay."""
    return llm_cache.purge_llm_texts(db_path, older_than_days)


class SyncRow(BaseModel):
    """One change as a sync left it: its state before and after, and its checks."""

    change_id: str
    run_id: str
    repo: str
    pr_url: str
    before: str
    after: str
    checks: str
    error: str | None = None


@task(name="load-open-changes", cache_policy=NO_CACHE)
def load_open_changes(db_path: Path, provider: str, run_id: str | None) -> list[dict[str, Any]]:
    """The OPEN changes of a provider (of one run if given), read fresh on every call."""
    with store.connect(db_path) as con:
        return ledger.open_changes(con, provider, run_id)


@task(name="record-sync", cache_policy=NO_CACHE)
def record_sync(db_path: Path, change: dict[str, Any], status: PullStatus) -> SyncRow:
    """Move the change to the state its pull request implies and add one event saying what was
    read (the checks summary, or why the read failed). A failed read leaves the state alone."""
    before = ChangeState(change["state"])
    after = (
        before
        if status.error
        else after_pull_request(before, status.state or "open", status.merged)
    )
    checks = checks_text(status)
    if status.error:
        detail = f"sync: could not read {status.pr_url}: {status.error}"
    else:
        outcome = {
            ChangeState.MERGED: f"merged as {status.merge_sha}",
            ChangeState.CLOSED: "closed unmerged",
        }.get(after, status.state)
        detail = f"sync: pull request #{status.number} {outcome}; checks: {checks}"
    with store.connect(db_path) as con:
        con.begin()  # the state and its event land together or not at all
        try:
            if after is not before:
                ledger.set_change_state(
                    con, change["change_id"], after.value, status.merged, status.merge_sha
                )
            store.record_event(
                con,
                change["run_id"],
                after.value,
                subject_kind="change",
                subject_id=change["change_id"],
                detail=detail,
            )
            con.commit()
        except Exception:
            con.rollback()
            raise
    return SyncRow(
        change_id=change["change_id"],
        run_id=change["run_id"],
        repo=change["repo"],
        pr_url=status.pr_url,
        before=before.value,
        after=after.value,
        checks=checks,
        error=status.error,
    )


@task(name="suite-seconds", cache_policy=NO_CACHE)
def suite_seconds(db_path: Path, repos: list[str]) -> dict[str, float]:
    """Each repository's typical suite run from the ledger (warehouse/readers/run_queries)."""
    return run_queries.suite_seconds(db_path, repos)
