"""tasks/http/retry.py against a real loopback server: what is retried, how long each retry
waits (recorded, not slept), and how giving up is worded."""

from __future__ import annotations

import logging

import httpx
import pytest

from tasks.http import retry
from tasks.http.retry import RETRY_STATUSES, Retryable, RetryPolicy
from tests.tasks.http.conftest import Scripted

FAST = RetryPolicy(max_retries=3, backoff_s=0.01, max_backoff_s=0.04, retry_after_cap_s=5.0)
log = logging.getLogger("globallm.test")


class Refused(Exception):
    """A status not worth another try."""


def _get(client: httpx.Client, url: str, policy: RetryPolicy) -> httpx.Response:
    """One read the way the clients do it: a retryable status carries the server's wait."""
    response = client.get(url)
    if response.status_code in RETRY_STATUSES:
        status = response.status_code
        raise Retryable(f"HTTP {status}", status, policy.server_wait(response))
    if not response.is_success:
        raise Refused(f"HTTP {response.status_code}")
    return response


def _run(
    scripted: Scripted, policy: RetryPolicy = FAST, **kw
) -> tuple[httpx.Response | BaseException, list[float], retry.Retrying]:
    loop = retry.retrying(policy, "Test", "thing", log, **kw)
    waits: list[float] = []
    loop.sleep = waits.append  # record each wait instead of sleeping it
    with httpx.Client(timeout=5) as client:
        try:
            result: httpx.Response | BaseException = loop(_get, client, scripted.url, policy)
        except (Retryable, Refused, httpx.HTTPError) as error:
            result = error
    return result, waits, loop


def test_503_then_200_is_retried_with_a_jittered_backoff(scripted: Scripted) -> None:
    scripted.script((503, {}, "busy"), (503, {}, "busy"), (200, {}, "fine"))
    result, waits, loop = _run(scripted)
    assert isinstance(result, httpx.Response) and result.text == "fine"
    assert len(scripted.arrivals) == 3 and retry.attempts(loop, FAST) == 3
    assert len(waits) == 2
    assert 0 <= waits[0] <= 0.01 and 0 <= waits[1] <= 0.02  # full jitter under base * 2**n


def test_a_429_waits_what_retry_after_asks(scripted: Scripted) -> None:
    scripted.script((429, {"Retry-After": "1"}, "slow down"), (200, {}, "fine"))
    result, waits, _ = _run(scripted)
    assert isinstance(result, httpx.Response)
    assert waits == [1.0] and len(scripted.arrivals) == 2


def test_retry_after_is_capped(scripted: Scripted) -> None:
    scripted.script((503, {"Retry-After": "120"}, ""), (200, {}, ""))
    _, waits, _ = _run(scripted, FAST.model_copy(update={"retry_after_cap_s": 0.5}))
    assert waits == [0.5]


def test_a_404_is_not_retried(scripted: Scripted) -> None:
    scripted.script((404, {}, "no such thing"))
    result, waits, _ = _run(scripted)
    assert isinstance(result, Refused) and waits == [] and len(scripted.arrivals) == 1


def test_giving_up_names_the_attempts_and_the_last_failure(
    scripted: Scripted, caplog: pytest.LogCaptureFixture
) -> None:
    scripted.script(*[(502, {}, "bad gateway")] * 4)
    with caplog.at_level(logging.WARNING, logger="globallm.test"):
        result, waits, loop = _run(scripted)
    assert isinstance(result, Retryable) and retry.status_of(result) == 502
    tries = retry.attempts(loop, FAST)
    assert tries == 4 and len(waits) == 3 and len(scripted.arrivals) == 4
    message = retry.gave_up("Test thing", tries, retry.describe(result))
    assert message == "Test thing failed after 4 attempt(s): HTTP 502"
    assert "Test thing failed (HTTP 502); retry 1 of 3 in" in caplog.text
    assert "retry 3 of 3" in caplog.text


def test_describe_words_every_log_line(
    scripted: Scripted, caplog: pytest.LogCaptureFixture
) -> None:
    scripted.script((500, {}, ""), (200, {}, ""))
    with caplog.at_level(logging.WARNING, logger="globallm.test"):
        _run(scripted, describe=lambda error: "[redacted]")
    assert "Test thing failed ([redacted]); retry 1 of 3" in caplog.text


def test_a_refused_connection_is_retried_then_given_up() -> None:
    loop = retry.retrying(FAST, "Test", "thing", log)
    waits: list[float] = []
    loop.sleep = waits.append
    with httpx.Client(timeout=1) as client, pytest.raises(httpx.ConnectError):
        loop(client.get, "http://127.0.0.1:9/")  # the discard port: nobody listens
    assert len(waits) == FAST.max_retries and retry.attempts(loop, FAST) == 4


def test_backoff_is_full_jitter_up_to_the_cap() -> None:
    policy = RetryPolicy(backoff_s=1.0, max_backoff_s=8.0)
    for retries, high in [(0, 1.0), (1, 2.0), (2, 4.0), (3, 8.0), (10, 8.0), (5000, 8.0)]:
        assert all(0 <= policy.backoff(retries) <= high for _ in range(50))


def test_a_configuration_carries_its_policy_flat() -> None:
    from tasks.github.graphql import GitHubTiming
    from tasks.llm.client import LlmConfig

    assert RetryPolicy.of(LlmConfig(base_url="http://x")).retry_after_cap_s == 30.0
    timing = RetryPolicy.of(GitHubTiming(max_retries=2, backoff_s=0.5))
    assert (timing.max_retries, timing.backoff_s, timing.retry_after_cap_s) == (2, 0.5, 60.0)
