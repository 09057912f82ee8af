"""The GitHub request rate across processes: a Prefect global concurrency limit used as a rate
limit (one slot per GraphQL request, slots decaying at `requests_per_s`), so every worker and
every parallel task of every flow shares one budget.

Measured here (local Prefect server, 2 busy cores): `rate_limit` costs 0.16-0.19 s a request
for one task and about 0.5 s with two tasks contending (at 10/s configured: 5.2 and 3.8
requests/s reached, since Prefect retries a refused slot after a jittered Retry-After). That is
small beside a GitHub GraphQL request of seconds, and a crawl of 2,000 repositories takes about
65 requests. A tag concurrency limit costs about 1 s per task call and bounds parallel tasks,
not requests, so the `github` tag stays without a limit. One slot, not `rate` slots: requests
are spaced, never a burst above the rate in any second. Without a Prefect run (plain function
calls) the process-wide pacer paces instead.
"""

from __future__ import annotations

import logging

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import get_client
from prefect.context import FlowRunContext, TaskRunContext

logger = logging.getLogger("globallm.github")
RATE_LIMIT_NAME = "github-requests"


def slots_for(requests_per_s: float) -> int:
    """One slot: requests are spaced by 1/rate, never a burst above the rate."""
    return 1 if requests_per_s > 0 else 0


@task(name="github-rate-limit", cache_policy=NO_CACHE)
def ensure_rate_limit(requests_per_s: float, name: str = RATE_LIMIT_NAME) -> str | None:
    """Create (or update) the global rate limit `name` idempotently; its name, or None when
    there is no rate to enforce or no Prefect API (the in-process pacer then applies)."""
    if requests_per_s <= 0:
        return None
    try:
        with get_client(sync_client=True) as client:
            client.upsert_global_concurrency_limit_by_name(
                name, slots_for(requests_per_s), slot_decay_per_second=float(requests_per_s)
            )
    except Exception as error:  # no API reachable: pace in-process rather than not at all
        logger.warning("GitHub: no Prefect rate limit (%s); pacing in-process", error)
        return None
    return name


def in_prefect_run() -> bool:
    """Whether a Prefect flow or task run is active (so the global limit can be acquired)."""
    return TaskRunContext.get() is not None or FlowRunContext.get() is not None
