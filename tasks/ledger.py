"""Prefect tasks that write the fix engine's ledger through warehouse.ledger."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import task

from fixers.plan import PlanItem
from tasks.llm import LlmCall
from warehouse import ledger, store


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
