"""GitHub GraphQL reads at the lowest cost: one client that counts requests and rate-limit
points, waits out secondary and primary limits (saying how long and why), retries 5xx, timeouts
and truncated answers with exponential backoff and full jitter, and splits a batch that GitHub
cannot answer in one go (502, timeout) into halves. An answer that says the budget is spent
(`X-RateLimit-Remaining: 0`, or `rateLimit.remaining` below what the last query cost) makes
the next request wait for the reset first rather than be refused (bounded by `max_wait_s`).

The request rate (`requests_per_s`) holds across processes through the Prefect global rate
limit named in `rate_limit` whenever a Prefect run is active; otherwise a process-wide pacer
spaces requests (both tasks/http/rate_limit.py's `Pacer`). The retryable statuses and the
backoff are tasks/http/retry.py's. The token stays in the Authorization header; errors go
through `redact`.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel
from rich.console import Console

from tasks.github.http import GitHubConfig, GitHubError, client_for, redact
from tasks.http import retry
from tasks.http.rate_limit import RATE_LIMIT_NAME, Pacer
from tasks.http.retry import RETRY_STATUSES, RetryPolicy
from tasks.http.retry_after import retry_after

logger = logging.getLogger("globallm.github")
console = Console(stderr=True)
T = TypeVar("T")
SPLIT_STATUSES = frozenset({502, 504})
BACKOFF_STATUSES = RETRY_STATUSES - {429}  # a 429 is a rate limit: waited out, not backed off


class GitHubTiming(BaseModel):
    """How patient the client is; tests make every wait tiny."""

    timeout_s: float = 30.0
    max_retries: int = 4
    backoff_s: float = 1.0
    max_backoff_s: float = 30.0
    max_wait_s: float = 3600.0  # longest rate-limit wait honoured (a primary reset is <= 1 h)
    secondary_wait_s: float = 60.0  # a secondary limit without Retry-After: GitHub says 1 min
    requests_per_s: float = 10.0  # at most this many requests a second (0: unpaced)
    rate_limit: str | None = None  # Prefect global rate limit shared by every process
    max_rate_waits: int = 5  # rate-limit waits for one request before it is given up on

    def pacer(self) -> Pacer:
        """Each request's turn: the Prefect global limit inside a run, else the process-wide
        GitHub spacing; unpaced when `requests_per_s` is 0."""
        paced = self.requests_per_s > 0
        limit = self.rate_limit if paced else None
        return Pacer(limit, self.requests_per_s if paced else 0.0, key=RATE_LIMIT_NAME)


class TooLarge(GitHubError):
    """GitHub gave up on this query (502/504/timeout): ask for fewer nodes."""


class Usage(BaseModel):
    """What the crawl cost: HTTP requests sent and GraphQL rate-limit points spent."""

    requests: int = 0
    points: int = 0
    remaining: int | None = None
    reset_at: str | None = None
    waited_s: float = 0.0


def _reset_wait(headers: httpx.Headers, reset_at: str | None) -> float | None:
    reset = headers.get("x-ratelimit-reset", "")
    if reset.isdigit():
        return max(0.0, int(reset) - time.time()) + 0.05
    if reset_at:
        at = datetime.fromisoformat(reset_at.replace("Z", "+00:00")).timestamp()
        return max(0.0, at - time.time()) + 0.05
    return None


def _retry_after(value: str) -> float:
    """Retry-After as seconds (tasks/http/retry_after.py); unreadable means GitHub's minimum."""
    asked = retry_after(value)
    return 60.0 if asked is None else asked  # GitHub's documented minimum for a secondary limit


class GraphQLClient:
    """One httpx client for a crawl; `query` returns `data` (partial data when some aliases
    failed: their errors are in `last_errors`)."""

    def __init__(self, config: GitHubConfig, timing: GitHubTiming | None = None) -> None:
        self.config, self.timing = config, timing or GitHubTiming()
        self.http = client_for(config)
        self.http.timeout = httpx.Timeout(self.timing.timeout_s)
        self.pacer, self.policy = self.timing.pacer(), RetryPolicy.of(self.timing)
        self.usage = Usage()
        self.last_errors: list[dict] = []
        self.reset_due: tuple[float, str] | None = None  # (epoch s, why): wait before sending

    def __enter__(self) -> GraphQLClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()

    def _tell(self, seconds: float, why: str) -> None:
        self.usage.waited_s += seconds
        console.print(f"GitHub: waiting {seconds:.1f}s: {why}")
        logger.warning("GitHub: waiting %.1fs: %s", seconds, why)
        time.sleep(seconds)

    def _backoff(self, attempt: int) -> float:
        return self.policy.backoff(attempt)

    def _capped(self, seconds: float, why: str) -> float:
        if seconds > self.timing.max_wait_s:
            raise GitHubError(f"GitHub {why}: would wait {seconds:.0f}s, over the limit")
        return seconds

    def _rate_wait(self, waits: int, seconds: float, why: str) -> int:
        """Wait out a rate limit, at most `max_rate_waits` times for one request: a limit that
        never lifts (a reset in the past, Retry-After again and again) fails the request, so
        it is recorded and the crawl goes on."""
        if waits >= self.timing.max_rate_waits:
            raise GitHubError(f"GitHub GraphQL: still rate limited after {waits} wait(s): {why}")
        self._tell(self._capped(max(seconds, self._backoff(waits)), why), why)
        return waits + 1

    def backoff_before_split(self, attempt: int, why: str) -> None:
        """A short wait with jitter before asking again, smaller (GitHub may only be busy)."""
        self._tell(self._backoff(attempt), f"{why}; asking again smaller")

    def query(self, document: str, variables: dict[str, Any] | None = None, split: bool = False):
        """POST one document. `split=True`: a 502/504 or a timeout raises TooLarge at once (the
        caller halves the batch) instead of retrying the same size."""
        body = {"query": document, "variables": variables or {}}
        failures = waits = 0
        while True:
            self._await_reset()
            self.pacer.acquire()
            self.usage.requests += 1
            try:
                response = self.http.post(self.config.graphql_url, json=body)
            except httpx.TimeoutException:
                if split:
                    message = f"GitHub GraphQL timed out after {self.timing.timeout_s}s"
                    raise TooLarge(message) from None
                failures = self._retry(failures, f"timed out after {self.timing.timeout_s}s")
                continue
            except httpx.TransportError as error:
                failures = self._retry(failures, redact(f"{type(error).__name__}", self.config))
                continue
            status, headers = response.status_code, response.headers
            if status in (403, 429) and headers.get("retry-after", "").strip():
                wait = _retry_after(headers["retry-after"].strip())
                why = f"secondary rate limit (HTTP {status}, Retry-After)"
                waits = self._rate_wait(waits, wait, why)
                continue
            if status in (403, 429) and headers.get("x-ratelimit-remaining") == "0":
                wait = _reset_wait(headers, None) or 60.0
                waits = self._rate_wait(waits, wait, "primary rate limit exhausted until its reset")
                continue
            if status in (403, 429) and "secondary rate limit" in response.text.lower():
                wait = self.timing.secondary_wait_s
                why = f"secondary rate limit (HTTP {status}, no Retry-After)"
                waits = self._rate_wait(waits, wait, why)
                continue
            if split and status in SPLIT_STATUSES:
                raise TooLarge(f"GitHub GraphQL answered HTTP {status}", status)
            if status in BACKOFF_STATUSES:
                failures = self._retry(failures, f"HTTP {status}")
                continue
            if not response.is_success:
                text = redact(response.text[:300], self.config)
                raise GitHubError(f"GitHub GraphQL failed: HTTP {status}: {text}", status)
            try:
                answer = response.json()
            except (json.JSONDecodeError, UnicodeDecodeError):
                failures = self._retry(failures, "truncated or invalid JSON")
                continue
            errors = answer.get("errors") or []
            if any(e.get("type") == "RATE_LIMITED" for e in errors):
                wait = _reset_wait(headers, self.usage.reset_at) or self.timing.backoff_s
                waits = self._rate_wait(waits, wait, "GraphQL rate limit (RATE_LIMITED)")
                continue
            return self._accept(answer, errors, headers)

    def _retry(self, failures: int, why: str) -> int:
        if failures >= self.timing.max_retries:
            raise GitHubError(retry.gave_up("GitHub GraphQL", failures + 1, why))
        self._tell(
            self._backoff(failures), f"{why}; retry {failures + 1}/{self.timing.max_retries}"
        )
        return failures + 1

    def _await_reset(self) -> None:
        """Before sending: wait out a budget the last answer said was spent (over
        `max_wait_s`: the request fails, recorded, instead of waiting that long)."""
        if self.reset_due is None:
            return
        at, why = self.reset_due
        seconds = at - time.time()
        if seconds > 0:
            why = f"{why}; waiting for the reset before the next request"
            self._tell(self._capped(seconds, why), why)
        self.reset_due = None

    def _plan_reset(self, headers: httpx.Headers, rate: dict) -> None:
        """Whether the next request must wait for the reset, from this answer's budget."""
        left, cost = rate.get("remaining"), max(1, int(rate.get("cost") or 1))
        if headers.get("x-ratelimit-remaining", "").strip() == "0":
            why = "primary rate limit spent (X-RateLimit-Remaining: 0)"
        elif left is not None and int(left) < cost:
            why = f"{left} rate-limit point(s) left, the next query costs about {cost}"
        else:
            return
        wait = _reset_wait(headers, self.usage.reset_at)
        self.reset_due = None if wait is None else (time.time() + wait, why)

    def _accept(self, answer: dict, errors: list[dict], headers: httpx.Headers) -> dict:
        data = answer.get("data")
        rate = (data or {}).get("rateLimit") or {}
        self.usage.points += int(rate.get("cost") or 0)
        self.usage.remaining = rate.get("remaining", self.usage.remaining)
        self.usage.reset_at = rate.get("resetAt", self.usage.reset_at)
        self._plan_reset(headers, rate)
        self.last_errors = errors
        if data is None:
            messages = "; ".join(str(e.get("message")) for e in errors) or "no data"
            raise GitHubError(redact(f"GitHub GraphQL: {messages}", self.config))
        return data

    def batched(
        self,
        items: Sequence[T],
        size: int,
        run: Callable[[Sequence[T]], Any],
        failed: Callable[[Sequence[T], str], None],
    ) -> None:
        """Call `run` on chunks of `size`; a chunk that is too large (502/504/timeout) is
        halved after a backoff with jitter; a single item gets the normal bounded retries and,
        if it still fails, goes to `failed` with the reason."""
        pending = [(list(items[i : i + size]), 0) for i in range(0, len(items), size)]
        while pending:
            chunk, tries = pending.pop(0)
            try:
                run(chunk)
            except TooLarge as error:
                if len(chunk) == 1 and tries >= self.timing.max_retries:
                    failed(chunk, f"{error} (after {tries + 1} attempt(s))")
                    continue
                self.backoff_before_split(tries, f"batch of {len(chunk)}: {error}")
                if len(chunk) == 1:
                    pending.insert(0, (chunk, tries + 1))
                    continue
                half = len(chunk) // 2
                pending[:0] = [(chunk[:half], 0), (chunk[half:], 0)]
            except GitHubError as error:
                failed(chunk, str(error))


RATE_LIMIT_FIELDS = "rateLimit { cost remaining resetAt limit used }"


def alias_errors(errors: list[dict]) -> dict[str, str]:
    """Alias -> message for errors a batch reported per alias (e.g. NOT_FOUND)."""
    found = {}
    for error in errors:
        path = error.get("path") or []
        if path:
            found[str(path[0])] = str(error.get("message") or error.get("type"))
    return found


def graphql_string(text: str) -> str:
    """`text` as a GraphQL string literal, for values written into a query document (aliased
    searches and repositories cannot all be variables). JSON's escapes are GraphQL's, so quotes,
    backslashes, newlines and other control characters come out escaped."""
    return json.dumps(text, ensure_ascii=False)
