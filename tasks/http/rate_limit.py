"""Request rates: a Prefect global concurrency limit used as a rate limit (slots decaying at
`requests_per_s`), so every worker and every parallel task of every flow shares one budget,
and `Pacer`, which gives each request its turn: the global limit inside a Prefect run, else a
process-wide spacing of 1/rate between requests (threads share it). GitHub (GraphQL, and REST
when given a pacer) and the package registries pace through it; the LLM endpoint has no
request rate.

Measured here (local Prefect server, 2 busy cores): `rate_limit` costs 0.16-0.19 s a request
for one task and about 0.5 s with two tasks contending (at 10/s configured: 5.2 and 3.8
requests/s reached, since Prefect retries a refused slot after a jittered Retry-After). That is
small beside a GitHub GraphQL request of seconds, and a crawl of 2,000 repositories takes about
65 requests. A tag concurrency limit costs about 1 s per task call and bounds parallel tasks,
not requests, so the `github` tag stays without a limit. GitHub's limit has one slot, not
`rate` slots: requests are spaced, never a burst above the rate in any second. A registry's
limit holds a second's requests and a package's requests are reserved in one acquisition
(`Pacer.reserve`), since each acquisition is a round trip to the Prefect API.
"""

from __future__ import annotations

import logging
import threading
import time

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import get_client
from prefect.concurrency.sync import rate_limit
from prefect.context import FlowRunContext, TaskRunContext

logger = logging.getLogger("globallm.http")
RATE_LIMIT_NAME = "github-requests"


def slots_for(requests_per_s: float) -> int:
    """One slot: requests are spaced by 1/rate, never a burst above the rate."""
    return 1 if requests_per_s > 0 else 0


def upsert_rate_limit(name: str, requests_per_s: float, slots: int, system: str) -> str | None:
    """Create (or update) the global rate limit `name` idempotently: `slots` slots decaying at
    `requests_per_s`. Its name, or None without a rate or a Prefect API (said in the log)."""
    if requests_per_s <= 0 or slots <= 0:
        return None
    try:
        with get_client(sync_client=True) as client:
            client.upsert_global_concurrency_limit_by_name(
                name, slots, slot_decay_per_second=float(requests_per_s)
            )
    except Exception as error:  # no API reachable: the crawl is not stopped for a limit
        logger.warning("%s: no Prefect rate limit %s (%s)", system, name, error)
        return None
    return name


@task(name="github-rate-limit", cache_policy=NO_CACHE)
def ensure_rate_limit(requests_per_s: float, name: str = RATE_LIMIT_NAME) -> str | None:
    """GitHub's one-slot global rate limit (see `upsert_rate_limit`); None when there is no
    rate to enforce or no Prefect API (the in-process pacing then applies)."""
    return upsert_rate_limit(name, requests_per_s, slots_for(requests_per_s), "GitHub")


def in_prefect_run() -> bool:
    """Whether a Prefect flow or task run is active (so the global limit can be acquired)."""
    return TaskRunContext.get() is not None or FlowRunContext.get() is not None


class Spacing:
    """A process-wide minimum spacing between requests (threads share it)."""

    def __init__(self) -> None:
        self.lock, self.next_at = threading.Lock(), 0.0

    def wait(self, per_s: float) -> None:
        if per_s <= 0:
            return
        with self.lock:
            now = time.monotonic()
            start = max(now, self.next_at)
            self.next_at = start + 1.0 / per_s
        if start > now:
            time.sleep(start - now)


_spacings: dict[str, Spacing] = {}
_spacings_lock = threading.Lock()


def spacing(key: str) -> Spacing:
    """The process's one `Spacing` for `key` (one per outside system)."""
    with _spacings_lock:
        return _spacings.setdefault(key, Spacing())


class Pacer:
    """Each request's turn for one client. `limit`: the Prefect global rate limit, acquired
    whenever a Prefect run is active; otherwise requests are spaced in-process at `per_s`
    through `spacing(key)` (0: unpaced). `reserve(n)` takes n slots in one acquisition; the
    next n requests then go without asking again."""

    def __init__(self, limit: str | None, per_s: float = 0.0, key: str | None = None) -> None:
        self.limit, self.per_s = limit, per_s
        self.key = key or limit or "default"
        self.prepaid = 0  # slots reserved and not yet used

    def _global(self) -> bool:
        return bool(self.limit) and in_prefect_run()

    def reserve(self, requests: int) -> None:
        """Take `requests` slots of the global limit at once (outside a run: nothing)."""
        if requests > 0 and self._global():
            rate_limit(self.limit, occupy=requests)
            self.prepaid += requests

    def acquire(self) -> None:
        """Wait for the next request's turn."""
        if self.prepaid > 0:
            self.prepaid -= 1
        elif self._global():
            rate_limit(self.limit, occupy=1)
        elif self.per_s > 0:
            spacing(self.key).wait(self.per_s)
