"""HTTP for the registry clients: conditional GETs (ETag / Last-Modified kept in the warehouse;
a 304 reuses the stored body), bounded retries with backoff and jitter for 5xx, 429 (its
Retry-After honoured), timeouts and truncated bodies, a per-registry Prefect rate limit, and
`UnknownPackage` for a 404 of a package's first document (`NotFound` for any later one). It
counts what it sent, so a crawl can say what it cost. The retries, the rate limit and the
conditional GET are tasks/http/'s (retry.py, rate_limit.py, conditional_get.py).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import ssl
from collections.abc import Callable
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict

from tasks.http import retry
from tasks.http.conditional_get import Cache, ConditionalGet
from tasks.http.rate_limit import Pacer
from tasks.http.retry import RETRY_STATUSES, Retryable, RetryPolicy
from tasks.registries.models import NotFound, RegistryError, UnknownPackage

logger = logging.getLogger("globallm.registries")
USER_AGENT = "globallm/0.1 (httpx)"


class RegistryTiming(BaseModel):
    """How patient a client is; tests shrink the waits."""

    model_config = ConfigDict(frozen=True)

    timeout_s: float = 30.0
    max_retries: int = 4  # after the first attempt
    backoff_s: float = 1.0
    max_backoff_s: float = 30.0
    retry_after_cap_s: float = 60.0
    rate_limit: str | None = None  # the Prefect global rate limit of this registry


class Usage(BaseModel):
    """What a client sent: every attempt, and the 304s among the answers."""

    requests: int = 0
    not_modified: int = 0

    def add(self, other: Usage) -> None:
        self.requests += other.requests
        self.not_modified += other.not_modified


class _Unreadable(ValueError):
    """A body that arrived damaged (cut short, or not what its digest says): asked again."""


class RegistryHttp:
    """GETs against one registry, conditional when a cache is given."""

    def __init__(
        self,
        ecosystem: str,
        client: httpx.Client,
        cache: Cache | None = None,
        timing: RegistryTiming | None = None,
    ) -> None:
        self.ecosystem, self.client, self.cache = ecosystem, client, cache
        self.timing = timing or RegistryTiming()
        self.usage = Usage()
        self.pacer = Pacer(self.timing.rate_limit)  # the global limit only, inside a run
        self.policy = RetryPolicy.of(self.timing)

    def get_json(
        self, url: str, what: str, accept: str = "application/json", first: bool = False
    ) -> Any:
        """The JSON at `url` (a truncated or invalid body is retried like a 502). `first`: the
        package's own document, whose 404 means the package is unknown (`UnknownPackage`);
        any other 404 is `NotFound`, an error of a package that exists."""
        return self._get(url, what, accept, _read_json, first)

    def get_text(self, url: str, what: str, sha256: str | None = None) -> str:
        """The UTF-8 text at `url`; with `sha256`, a body that does not match (cut short, say)
        is retried like a 502. Text that is not UTF-8 fails at once: asking again gets the
        same bytes."""

        def read(data: bytes) -> str:
            if sha256 and hashlib.sha256(data).hexdigest() != sha256.lower():
                raise _Unreadable("sha256 mismatch")
            try:
                return data.decode("utf-8")
            except UnicodeDecodeError as error:
                raise RegistryError(
                    f"{self.ecosystem}: {what}: not UTF-8 text at {url} ({error.reason} at "
                    f"byte {error.start})"
                ) from None

        return self._get(url, what, "*/*", read)

    def _get(
        self, url: str, what: str, accept: str, read: Callable[[bytes], Any], first: bool = False
    ) -> Any:
        conditional = ConditionalGet(self.cache, url)
        headers = {"Accept": accept, **conditional.headers()}

        def attempt() -> tuple[httpx.Response, Any]:
            self.pacer.acquire()
            self.usage.requests += 1
            response = self.client.get(url, headers=headers)
            status = response.status_code
            if status in RETRY_STATUSES:
                raise Retryable(f"HTTP {status}", status, self.policy.server_wait(response))
            if conditional.not_modified(response):
                return response, conditional.stored
            if status == 404:
                missing = UnknownPackage if first else NotFound
                raise missing(f"{self.ecosystem}: {what} not found (HTTP 404 at {url})")
            if not response.is_success:
                raise RegistryError(f"{self.ecosystem}: {what} failed: HTTP {status} at {url}")
            try:
                return response, read(response.content)
            except _Unreadable as error:
                raise Retryable(f"unreadable body ({error})") from None

        retrying = retry.retrying(self.policy, self.ecosystem, what, logger)
        try:
            response, body = retrying(attempt)
        except (Retryable, httpx.HTTPError) as error:
            tries = retry.attempts(retrying, self.policy)
            subject = f"{self.ecosystem}: {what}"
            raise RegistryError(retry.gave_up(subject, tries, retry.describe(error))) from None
        if conditional.not_modified(response):
            self.usage.not_modified += 1
            return body
        conditional.remember(response, body)
        return body

    def reserve(self, requests: int) -> None:
        """Take `requests` slots of the rate limit in one call (what a package is expected to
        cost): each acquisition is a round trip to the Prefect API, so acquiring per package
        rather than per request triples the rate a crawl reaches. Retries take more."""
        self.pacer.reserve(requests)


def _read_json(data: bytes) -> Any:
    """JSON, where a cut-off or garbled body is worth asking for again."""
    try:
        return json.loads(data)
    except ValueError as error:  # JSONDecodeError, and UnicodeDecodeError of a cut-off char
        raise _Unreadable(str(error)) from None


@functools.cache
def _tls() -> ssl.SSLContext:
    """One TLS context per process: loading the CA bundle takes ~60 ms, a client per task
    would pay it for every package."""
    return httpx.create_ssl_context()


def http_client(timing: RegistryTiming, auth: httpx.Auth | None = None) -> httpx.Client:
    """`auth`: the registry's credentials, kept out of every URL (registry_endpoints.
    RegistryAuth sends them to the registry's origin only)."""
    return httpx.Client(
        timeout=timing.timeout_s,
        headers={"User-Agent": USER_AGENT},
        follow_redirects=True,
        verify=_tls(),
        auth=auth,
    )
