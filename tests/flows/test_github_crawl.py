"""The github-crawl flow under Prefect against the data fake: a first crawl, an unchanged
re-crawl that asks only what changed, the ledger run, the `github` tag on every task that sends
GitHub requests, and the request rate that parallel tasks share through one Prefect global
rate limit."""

from __future__ import annotations

import time
from pathlib import Path
from uuid import UUID

import pytest
from prefect import flow, task
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from prefect.client.schemas.sorting import TaskRunSort

from flows.github_crawl import GitHubCrawlParams, github_crawl_flow
from tasks.github.crawl import (
    GITHUB_TAG,
    crawl_issues,
    discover_repositories,
    fetch_issue,
    refresh_health,
    repo_dependents,
)
from tasks.github.graphql import RATE_LIMIT_FIELDS, GitHubTiming, GraphQLClient
from tasks.github.http import GitHubConfig, GitHubEndpoint
from tasks.http.rate_limit import RATE_LIMIT_NAME, ensure_rate_limit, spacing
from tasks.pulls.github_status import read_pull_status, require_github
from tests.fakes.github_data import GitHubData
from tests.github_source import FAST, count, endpoint_for, rows

pytestmark = pytest.mark.usefixtures("prefect_server")
TIMING = FAST.model_dump()


def test_first_crawl_then_an_unchanged_recrawl(github: GitHubData, tmp_path: Path) -> None:
    github.populate(repositories=240, issues=1200)
    db = tmp_path / "w.duckdb"

    params = GitHubCrawlParams(
        endpoint=endpoint_for(github), languages=["python", "go"], min_stars=1000, max_issues=50
    )
    first = github_crawl_flow(db, params, timing=TIMING)

    assert first.discovery.repositories == 80 and first.issues.issues == 400
    assert first.health.repositories == 0  # discovery just read every health field
    assert count(db, "raw_github_repositories") == 80 == first.issues.repositories
    assert first.requests == github.graphql_requests
    assert first.discovery.usage.requests / 80 <= 0.05
    before = github.graphql_requests

    again = github_crawl_flow(db, params, timing=TIMING)

    assert github.graphql_requests - before == again.requests == 2  # pushed:>T, then since:T
    assert count(db, "raw_github_issues") == 400
    assert rows(db, "SELECT kind, status FROM ledger_runs ORDER BY created_at") == [
        ("github-crawl", "COMPLETED"),
        ("triage", "COMPLETED"),  # each crawl triages the open issues it read
        ("github-crawl", "COMPLETED"),
        ("triage", "COMPLETED"),
    ]
    assert again.triage.triaged == 0 and first.triage.triaged == 400  # none changed since


@pytest.mark.usefixtures("prefect_server_recording_task_runs")  # it reads the task runs
def test_every_task_that_sends_github_requests_carries_the_github_tag(
    github: GitHubData, tmp_path: Path
) -> None:
    requesting = [fetch_issue, discover_repositories, refresh_health, crawl_issues]
    requesting += [require_github, read_pull_status]
    assert all(GITHUB_TAG in t.tags for t in requesting)
    assert GITHUB_TAG not in repo_dependents.tags | ensure_rate_limit.tags  # no requests
    github.add_repository("o/r", 5000)
    github.add_issues("o/r", 2)
    db = tmp_path / "w.duckdb"

    params = GitHubCrawlParams(endpoint=endpoint_for(github), languages=["python"])
    github_crawl_flow(db, params, timing=TIMING)

    (run_id,) = rows(db, "SELECT run_id FROM ledger_runs WHERE kind = 'github-crawl'")[0]
    tags = _task_run_tags(run_id, expected=5)  # unpaced here: no github-rate-limit task
    assert tags == {
        "github-discover": {"github"},
        "github-dependents": set(),
        "github-health": {"github"},
        "github-issues": {"github"},
        "triage": set(),  # the triage subflow reads only the warehouse
    }


def _task_run_tags(flow_run_id: str, expected: int) -> dict[str, set[str]]:
    """Task name -> tags of a flow run's task runs, as the Prefect API recorded them (task
    runs reach the API through events: read again until all have arrived, at most 30 s)."""
    found: dict[str, set[str]] = {}
    with get_client(sync_client=True) as client:
        for _ in range(300):
            runs = client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[UUID(flow_run_id)])),
                sort=TaskRunSort.EXPECTED_START_TIME_ASC,
                limit=50,
            )
            found = {run.name.rsplit("-", 1)[0]: set(run.tags) for run in runs}
            if len(found) >= expected:
                break
            time.sleep(0.1)
    return found


@task
def _ask(times: int, timing: dict, endpoint: GitHubEndpoint) -> int:
    config = GitHubConfig.for_endpoint(endpoint)  # the token from the environment
    assert config is not None
    with GraphQLClient(config, GitHubTiming(**timing)) as client:
        for _ in range(times):
            client.query(f"query {{ {RATE_LIMIT_FIELDS} }}")
    return client.usage.requests


@flow
def _two_tasks_in_parallel(rate: float, times: int, endpoint: GitHubEndpoint) -> int:
    name = ensure_rate_limit(rate)
    timing = FAST.model_copy(update={"requests_per_s": rate, "rate_limit": name}).model_dump()
    first, second = _ask.submit(times, timing, endpoint), _ask.submit(times, timing, endpoint)
    return first.result() + second.result()


def _limit():
    with get_client(sync_client=True) as client:
        return client.read_global_concurrency_limit_by_name(RATE_LIMIT_NAME)


def test_parallel_tasks_share_one_request_rate(
    github: GitHubData, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_local_pacing(per_s: float) -> None:
        raise AssertionError("inside a run the Prefect rate limit paces, not the process")

    monkeypatch.setattr(spacing(RATE_LIMIT_NAME), "wait", no_local_pacing)
    rate, times = 4.0, 6

    assert _two_tasks_in_parallel(rate, times, endpoint_for(github)) == 2 * times
    created = _limit()
    assert _two_tasks_in_parallel(rate, times, endpoint_for(github)) == 2 * times

    again = _limit()
    assert (again.id, again.created) == (created.id, created.created)  # created once
    assert (again.limit, again.slot_decay_per_second) == (1, rate)
    stamps = sorted(github.graphql_times)
    assert len(stamps) == 4 * times
    for at in stamps:  # never more than the rate in any one-second window (+1 for its edge)
        assert sum(at <= other < at + 1.0 for other in stamps) <= rate + 1
    first_run = stamps[: 2 * times]
    assert first_run[-1] - first_run[0] >= (2 * times - 1) / rate * 0.8
