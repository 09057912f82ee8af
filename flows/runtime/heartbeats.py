"""Prefect flow-run heartbeats: off where nothing can watch them.

Prefect 3.8 gives every flow run a heartbeat thread that sleeps in one-second steps and is
joined when the run ends, so every flow call waits up to a second doing nothing (measured here:
a trivial subflow takes 1.1 s with heartbeats, 0.2 s without). Heartbeats let the server mark a
run whose process died as crashed. A subflow lives in its parent's process, whose heartbeats
already say that; and under the embedded temporary server the server dies with the process, so
no heartbeat is ever read. Against a real server (PREFECT_API_URL) top-level flows keep theirs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

from prefect.settings import get_current_settings, temporary_settings

P = ParamSpec("P")
R = TypeVar("R")

_SETTING = "flows.heartbeat_frequency"


@contextmanager
def heartbeats_off() -> Iterator[None]:
    """Flow runs started inside (in this thread or tasks it submits) send no heartbeats."""
    with temporary_settings(updates={_SETTING: None}):
        yield


@contextmanager
def heartbeats_off_when_embedded() -> Iterator[None]:
    """Heartbeats off when no Prefect API is configured, i.e. the temporary server is used."""
    if get_current_settings().api.url:
        yield
        return
    with heartbeats_off():
        yield


def call_subflow(subflow: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Call `subflow` as a subflow of the running flow, without a heartbeat thread of its own."""
    with heartbeats_off():
        return subflow(*args, **kwargs)
