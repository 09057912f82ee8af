"""One conditional GET's bookkeeping, shared by the GitHub REST reader and the registry
clients: the ETag / Last-Modified stored for a URL go back as If-None-Match /
If-Modified-Since, a 304 reuses the stored body, and a fresh answer with validators is
stored. The store itself (`raw_http_cache`) is warehouse/io/http_cache.py's HttpCache.
"""

from __future__ import annotations

from typing import Any, Protocol

import httpx


class Cache(Protocol):
    """Validators and bodies of URLs already read (warehouse.io.http_cache.HttpCache fits)."""

    def get(self, url: str) -> tuple[str | None, str | None, Any] | None: ...

    def put(self, url: str, etag: str | None, last_modified: str | None, body: Any) -> None: ...


class ConditionalGet:
    """What is known of one URL before asking for it again."""

    def __init__(self, cache: Cache | None, url: str) -> None:
        self.cache, self.url = cache, url
        self.cached = cache.get(url) if cache is not None else None

    def headers(self) -> dict[str, str]:
        """The validators to send back (none when the URL was never read)."""
        sent: dict[str, str] = {}
        if self.cached and self.cached[0]:
            sent["If-None-Match"] = self.cached[0]
        if self.cached and self.cached[1]:
            sent["If-Modified-Since"] = self.cached[1]
        return sent

    def not_modified(self, response: httpx.Response) -> bool:
        """A 304 to a request that sent validators: the stored body (`stored`) stands."""
        return response.status_code == 304 and self.cached is not None

    @property
    def stored(self) -> Any:
        return self.cached[2] if self.cached else None

    def remember(self, response: httpx.Response, body: Any) -> None:
        """Keep a fresh answer's validators and body (an answer without validators is not
        kept: it could never be asked for conditionally)."""
        etag, modified = response.headers.get("etag"), response.headers.get("last-modified")
        if self.cache is not None and (etag or modified):
            self.cache.put(self.url, etag, modified, body)
