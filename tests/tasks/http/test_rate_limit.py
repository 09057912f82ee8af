"""Pacing outside a Prefect run: the process-wide pacer, whatever limit name the timing holds."""

from __future__ import annotations

import time

import pytest

from tasks.github import graphql as github_graphql
from tasks.github.graphql import GitHubTiming, pace
from tasks.http.rate_limit import ensure_rate_limit, in_prefect_run, slots_for


def test_outside_a_run_the_process_pacer_spaces_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(github_graphql, "PACER", github_graphql._Pacer())
    timing = GitHubTiming(requests_per_s=20.0, rate_limit="github-requests")
    assert not in_prefect_run()
    started = time.perf_counter()
    for _ in range(5):
        pace(timing)
    assert time.perf_counter() - started >= 4 / 20.0 * 0.9


def test_no_rate_means_no_limit_and_no_wait() -> None:
    assert ensure_rate_limit.fn(0.0) is None and slots_for(0.0) == 0
    started = time.perf_counter()
    for _ in range(100):
        pace(GitHubTiming(requests_per_s=0))
    assert time.perf_counter() - started < 0.05
