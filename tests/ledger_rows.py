"""Ledger rows the budget tests land: an LLM call and a fix run, with the columns the readers
use and the rest defaulted."""

from __future__ import annotations

from datetime import datetime, timedelta


def llm_call(
    call_id: str, repo: str | None, at: datetime, tokens_in: int, tokens_out: int = 0
) -> dict:
    """A `ledger_llm_calls` row (a call that used no token is a cache hit)."""
    return {
        "call_id": call_id,
        "run_id": "fix-run",
        "prompt_name": "llm_patch",
        "prompt_sha": "0" * 64,
        "model": "m",
        "tokens_in": tokens_in,
        "tokens_out": tokens_out,
        "cache_hit": tokens_in == 0,
        "called_at": at,
        "repo": repo,
    }


def fix_run(
    run_id: str, at: datetime, seconds: float, issue: dict | None, kind: str = "fix"
) -> dict:
    """A completed `ledger_runs` row of a fix of `issue` (its config's `issue`)."""
    return {
        "run_id": run_id,
        "kind": kind,
        "actor": "user",
        "status": "COMPLETED",
        "config": {"issue": issue, "files": ["a.py"]} if issue is not None else None,
        "created_at": at,
        "updated_at": at + timedelta(seconds=seconds),
    }
