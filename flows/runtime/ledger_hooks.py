"""Flow state hooks that keep `ledger_runs` and `ledger_events` in step with Prefect.

Every globallm flow takes `db_path` (and optionally `parent_run_id`) as parameters; the hooks
read them from the flow run, so flow bodies stay free of bookkeeping.
"""

from __future__ import annotations

import logging
from typing import Any

from warehouse.io import snapshot, store

logger = logging.getLogger("globallm.ledger")

SUBFLOW_PUBLISH_S = 5.0  # a subflow's end republishes the snapshot at most this often

# Prefect state types -> the ledger's event states (DESIGN.md)
LEDGER_STATE = {
    "RUNNING": "RUNNING",
    "COMPLETED": "COMPLETED",
    "FAILED": "FAILED",
    "CRASHED": "FAILED",
    "CANCELLED": "FAILED",
}


def _summary(state: Any) -> dict[str, Any] | None:
    """The flow's return value when it is a pydantic model or a dict; None otherwise."""
    try:
        value = state.result(raise_on_failure=False)
    except Exception:  # a result that cannot be read must not break the ledger write
        return None
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    return value if isinstance(value, dict) else None


def record_state(flow: Any, flow_run: Any, state: Any) -> None:
    """Upsert the run row and append one event for this state change."""
    params = flow_run.parameters or {}
    db_path = params.get("db_path")
    if db_path is None:
        return
    ledger_state = LEDGER_STATE.get(state.type.value, state.type.value)
    final = ledger_state != "RUNNING"
    detail = state.message if ledger_state == "FAILED" else None
    try:
        with store.connect(db_path) as con:
            store.upsert_run(
                con,
                str(flow_run.id),
                kind=flow.name,
                status=ledger_state,
                parent_run_id=params.get("parent_run_id"),
                config={k: v for k, v in params.items() if k != "parent_run_id"},
                summary=_summary(state) if ledger_state == "COMPLETED" else None,
                recipe=params.get("recipe") or (params.get("spec") or {}).get("recipe"),
            )
            store.record_event(con, str(flow_run.id), ledger_state, detail=detail)
        if final:  # what the app reads; subflows publish at most every few seconds
            top_level = params.get("parent_run_id") is None
            snapshot.publish(db_path, min_interval_s=0 if top_level else SUBFLOW_PUBLISH_S)
    except Exception:  # the ledger is an audit trail; never turn a finished run into a crash
        logger.exception("could not write the ledger for flow run %s", flow_run.id)


LEDGER_HOOKS = {
    "on_running": [record_state],
    "on_completion": [record_state],
    "on_failure": [record_state],
    "on_crashed": [record_state],
    "on_cancellation": [record_state],
}
