"""A side effect inside `once` runs at most once per key, also across flow runs."""

from __future__ import annotations

import uuid

import pytest
from prefect import flow

from flows.runtime.once import once


@flow
def act_twice(key: str) -> list[str]:
    calls: list[str] = []

    def action() -> str:
        calls.append("acted")
        return f"pull request #{len(calls)}"

    first = once(key, action)
    second = once(key, action)
    return [first, second, *calls]


@flow
def fail_then_succeed(key: str) -> list[str]:
    calls: list[str] = []

    def broken() -> str:
        calls.append("broken")
        raise RuntimeError("502 from the provider")

    with pytest.raises(RuntimeError):
        once(key, broken)
    value = once(key, lambda: calls.append("retried") or "opened")
    return [value, *calls]


def test_a_committed_side_effect_is_read_back_not_repeated(prefect_server):
    key = f"test/{uuid.uuid4()}"
    assert act_twice(key) == ["pull request #1", "pull request #1", "acted"]
    # a later run (a resume) reads the recorded result and acts no more
    assert act_twice(key) == ["pull request #1", "pull request #1"]
    assert act_twice(f"test/{uuid.uuid4()}")[-1] == "acted"


def test_a_failed_side_effect_is_not_committed_and_runs_again(prefect_server):
    assert fail_then_succeed(f"test/{uuid.uuid4()}") == ["opened", "broken", "retried"]
