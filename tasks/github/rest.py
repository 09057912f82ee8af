"""Conditional REST reads: the ETag and Last-Modified of each URL last read are kept by
warehouse/io/http_cache.py (`raw_http_cache`), sent back as If-None-Match / If-Modified-Since,
and a 304 answer (which GitHub does not count against the primary rate limit) reuses the
stored body; tasks/http/conditional_get.py does that bookkeeping, shared with the registries.
Lists page by the `Link` header, each page conditional on its own. An answer with
`X-RateLimit-Remaining: 0` makes the next request wait for `X-RateLimit-Reset` first (up to
`max_wait_s`; further away, it fails instead of being refused). Retries are
tasks/http/retry.py's; given a `Pacer` (tasks/http/rate_limit.py), every attempt waits its turn.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import httpx

from tasks.github.http import (
    GitHubConfig,
    GitHubError,
    Retryable,
    ensure_ok,
    gave_up,
    read_json,
    retrying_for,
    send_request,
)
from tasks.http.conditional_get import Cache, ConditionalGet
from tasks.http.rate_limit import Pacer

logger = logging.getLogger("globallm.github")


class RestReader:
    """Counts what it sent: `requests` (every attempt) and `not_modified` (free 304s)."""

    def __init__(
        self,
        client: httpx.Client,
        config: GitHubConfig,
        cache: Cache,
        pacer: Pacer | None = None,
    ) -> None:
        self.client, self.config, self.cache, self.pacer = client, config, cache, pacer
        self.requests = self.not_modified = 0
        self.reset_due: float | None = None  # epoch s: the budget is spent until then

    def _await_reset(self, what: str) -> None:
        """Wait for a spent primary budget's reset before sending (said like other waits)."""
        seconds, self.reset_due = (self.reset_due or 0.0) - time.time(), None
        if seconds <= 0:
            return
        why = "primary rate limit spent (X-RateLimit-Remaining: 0)"
        if seconds > self.config.max_wait_s:
            raise GitHubError(f"GitHub {what}: {why}; the reset is {seconds:.0f}s away")
        logger.warning("GitHub: waiting %.1fs: %s; waiting for the reset", seconds, why)
        time.sleep(seconds)

    def _note_budget(self, response: httpx.Response) -> None:
        remaining = response.headers.get("x-ratelimit-remaining", "").strip()
        reset = response.headers.get("x-ratelimit-reset", "").strip()
        if remaining == "0" and reset.isdigit():
            self.reset_due = int(reset) + 0.05

    def _send(self, url: str, what: str, headers: dict[str, str]) -> httpx.Response:
        self._await_reset(what)
        retrying = retrying_for(self.config, what)

        def attempt() -> httpx.Response:
            if self.pacer is not None:
                self.pacer.acquire()
            self.requests += 1
            return send_request(self.client, self.config, "GET", url, headers=headers)

        try:
            return retrying(attempt)
        except (Retryable, httpx.HTTPError) as error:
            raise gave_up(what, error, self.config, retrying) from None

    def get(self, url: str, what: str) -> tuple[Any, httpx.Response]:
        """The JSON at `url`: the stored body when GitHub answers 304 Not Modified."""
        conditional = ConditionalGet(self.cache, url)
        response = self._send(url, what, conditional.headers())
        self._note_budget(response)
        if conditional.not_modified(response):
            self.not_modified += 1
            return conditional.stored, response
        body = read_json(ensure_ok(response, self.config, what), self.config, what, lambda d: d)
        conditional.remember(response, body)
        return body, response

    def pages(self, url: str, what: str, per_page: int = 100) -> Iterator[list]:
        """Each page of a list while `Link` has rel="next". Page URLs are built the same way
        every time (they key the cache); a page answered 304 has no Link to trust, so there
        is a next page when the stored one was full."""
        joiner = "&" if "?" in url else "?"
        number, more = 1, True
        while more:
            body, response = self.get(f"{url}{joiner}per_page={per_page}&page={number}", what)
            yield body
            if response.status_code == 304:
                more = isinstance(body, list) and len(body) >= per_page
            else:
                more = "next" in response.links
            number += 1
