"""Subflows run without a heartbeat thread; a top-level flow under a real server keeps one."""

from __future__ import annotations

from prefect import flow, task
from prefect.settings import PREFECT_API_URL, get_current_settings, temporary_settings

from flows.runtime.heartbeats import call_subflow, heartbeats_off_when_embedded


def _frequency() -> int | None:
    return get_current_settings().flows.heartbeat_frequency


@flow
def child() -> int | None:
    return _frequency()


@task
def child_in_a_worker_thread() -> int | None:
    return call_subflow(child)


@flow
def parent() -> dict[str, int | None]:
    return {
        "parent": _frequency(),
        "subflow": call_subflow(child),
        "subflow_in_task": child_in_a_worker_thread.submit().result(),
        "after": _frequency(),
    }


def test_subflows_send_no_heartbeats_and_the_parent_keeps_its_own(prefect_server):
    seen = parent()
    assert seen["parent"] == seen["after"] == get_current_settings().flows.heartbeat_frequency
    assert seen["parent"] is not None
    assert seen["subflow"] is None
    assert seen["subflow_in_task"] is None


def test_a_configured_server_keeps_top_level_heartbeats(prefect_server):
    assert get_current_settings().api.url  # the test harness is a real server
    with heartbeats_off_when_embedded():
        assert _frequency() is not None


def test_under_the_temporary_server_no_flow_sends_heartbeats():
    with temporary_settings(restore_defaults={PREFECT_API_URL}), heartbeats_off_when_embedded():
        assert _frequency() is None
