"""tasks/http/rate_limit.py: the in-process pacing (timed at a real loopback server) and the
Prefect global limit as `Pacer` takes it, slots reserved in one acquisition."""

from __future__ import annotations

import time

import httpx
import pytest

from tasks.github.graphql import GitHubTiming
from tasks.http import rate_limit
from tasks.http.rate_limit import Pacer, Spacing, ensure_rate_limit, in_prefect_run, slots_for
from tests.tasks.http.conftest import Scripted


def test_outside_a_run_the_pacer_spaces_requests(
    scripted: Scripted, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rate_limit, "_spacings", {})
    pacer = Pacer("some-limit", per_s=20.0, key="test")  # a limit, but no run to take it in
    assert not in_prefect_run()
    with httpx.Client(timeout=5) as client:
        for _ in range(5):
            pacer.acquire()
            client.get(scripted.url)
    times = [at for _, at in scripted.arrivals]
    assert len(times) == 5
    assert times[-1] - times[0] >= 4 / 20.0 * 0.9


def test_every_client_of_a_system_shares_one_spacing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rate_limit, "_spacings", {})
    first, second = Pacer(None, 20.0, key="github"), Pacer(None, 20.0, key="github")
    started = time.perf_counter()
    for _ in range(3):
        first.acquire()
        second.acquire()
    assert time.perf_counter() - started >= 5 / 20.0 * 0.9
    assert rate_limit.spacing("github") is rate_limit.spacing("github")
    assert rate_limit.spacing("github") is not rate_limit.spacing("registry")


def test_github_timing_paces_in_process_outside_a_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rate_limit, "_spacings", {})
    pacer = GitHubTiming(requests_per_s=20.0, rate_limit="github-requests").pacer()
    started = time.perf_counter()
    for _ in range(5):
        pacer.acquire()
    assert time.perf_counter() - started >= 4 / 20.0 * 0.9


def test_no_rate_means_no_limit_and_no_wait() -> None:
    assert ensure_rate_limit.fn(0.0) is None and slots_for(0.0) == 0
    assert rate_limit.upsert_rate_limit("x", 0.0, 3, "test") is None
    started = time.perf_counter()
    for pacer in (GitHubTiming(requests_per_s=0).pacer(), Pacer(None), Pacer("limit")):
        for _ in range(100):
            pacer.reserve(3)
            pacer.acquire()
        assert pacer.prepaid == 0
    assert time.perf_counter() - started < 0.05


def test_inside_a_run_the_global_limit_paces_and_reserved_slots_are_spent_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    taken: list[tuple[str, int]] = []
    monkeypatch.setattr(rate_limit, "in_prefect_run", lambda: True)
    monkeypatch.setattr(rate_limit, "rate_limit", lambda name, occupy: taken.append((name, occupy)))

    def no_local_pacing(self: Spacing, per_s: float) -> None:
        raise AssertionError("inside a run the Prefect rate limit paces, not the process")

    monkeypatch.setattr(Spacing, "wait", no_local_pacing)
    pacer = Pacer("registry-pypi-requests", per_s=10.0)
    pacer.reserve(3)
    for _ in range(4):
        pacer.acquire()
    assert taken == [("registry-pypi-requests", 3), ("registry-pypi-requests", 1)]
    assert pacer.prepaid == 0
