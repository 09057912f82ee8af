"""Retries for every HTTP client (GitHub REST and GraphQL, the package registries, the LLM
endpoint): which statuses are worth another try, full-jitter exponential backoff, a server's
wait hint (Retry-After, a rate-limit reset) taking precedence, one log line per retry, and the
"gave up after N attempt(s)" message. The loop itself is tenacity's `Retrying`.

Only reads (and requests without side effects, like a chat completion) retry blindly; a write
whose outcome is unknown is looked up before it is sent again (tasks/github/http.write_once).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable

import httpx
from pydantic import BaseModel, ConfigDict
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt

from tasks.http.retry_after import retry_after

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class Retryable(Exception):
    """Worth another try: a status in RETRY_STATUSES (or a damaged body, `status` None), with
    the wait the server asked for (`wait_s`, None when it asked for none)."""

    def __init__(self, message: str, status: int | None = None, wait_s: float | None = None):
        super().__init__(message)
        self.status, self.wait_s = status, wait_s


RETRYABLE = (Retryable, httpx.TimeoutException, httpx.TransportError)
Describe = Callable[[BaseException | None], str]


class RetryPolicy(BaseModel):
    """How patient a client is. The clients' own configurations carry these fields flat;
    `RetryPolicy.of(config)` reads them (a field a configuration lacks keeps its default)."""

    model_config = ConfigDict(frozen=True, from_attributes=True)

    max_retries: int = 4  # retries after the first attempt
    backoff_s: float = 1.0  # exponential backoff base (full jitter), capped at max_backoff_s
    max_backoff_s: float = 30.0
    retry_after_cap_s: float = 60.0  # a server's Retry-After is honoured up to this

    @classmethod
    def of(cls, config: object) -> RetryPolicy:
        return cls.model_validate(config)

    def server_wait(self, response: httpx.Response) -> float | None:
        """The response's Retry-After in seconds, capped at `retry_after_cap_s`."""
        return retry_after(response.headers.get("retry-after"), self.retry_after_cap_s)

    def backoff(self, retries: int) -> float:
        """Full jitter: uniform in [0, min(max_backoff_s, backoff_s * 2**retries)] seconds,
        `retries` being the failures so far less one (0 before the first retry)."""
        try:
            high = min(self.max_backoff_s, self.backoff_s * 2.0**retries)
        except OverflowError:
            high = self.max_backoff_s
        return random.uniform(0, max(0.0, high))


def describe(error: BaseException | None) -> str:
    """The default account of a failure: its message, else its type."""
    return str(error) or type(error).__name__


def retrying(
    policy: RetryPolicy,
    system: str,
    what: str,
    logger: logging.Logger,
    describe: Describe = describe,
) -> Retrying:
    """A tenacity loop: RETRYABLE errors are retried up to `policy.max_retries` times, each
    after the wait the server asked for (`Retryable.wait_s`) or else a full-jitter backoff,
    with a warning "<system> <what> failed (<describe(error)>); retry i of n in s". The last
    error is re-raised; `gave_up` words it."""

    def wait(state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        hint = error.wait_s if isinstance(error, Retryable) else None
        delay = policy.backoff(state.attempt_number - 1) if hint is None else hint
        number, most = state.attempt_number, policy.max_retries
        message = "%s %s failed (%s); retry %d of %d in %.2fs"
        logger.warning(message, system, what, describe(error), number, most, delay)
        return delay

    return Retrying(
        retry=retry_if_exception_type(RETRYABLE),
        stop=stop_after_attempt(policy.max_retries + 1),
        wait=wait,
        reraise=True,
    )


def attempts(loop: Retrying, policy: RetryPolicy) -> int:
    """How many attempts `loop` made (all of them when it has no record)."""
    return loop.statistics.get("attempt_number", policy.max_retries + 1)


def status_of(error: BaseException) -> int | None:
    """The HTTP status a retried failure ended on, if it was one."""
    return error.status if isinstance(error, Retryable) else None


def gave_up(subject: str, tries: int, detail: str) -> str:
    """The message of a client that gave up: "<subject> failed after <tries> attempt(s): ..."."""
    return f"{subject} failed after {tries} attempt(s): {detail}"
