"""Conditional REST reads: the ETag and Last-Modified of each URL last read are kept in
`raw_github_http_cache`, sent back as If-None-Match / If-Modified-Since, and a 304 answer
(which GitHub does not count against the primary rate limit) reuses the stored body.
Lists page by the `Link` header, each page conditional on its own.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from tasks.github_http import (
    GitHubConfig,
    Retryable,
    ensure_ok,
    gave_up,
    read_json,
    retrying_for,
    send_request,
)
from warehouse import store


class HttpCache:
    """The validators and bodies of URLs already read, in the warehouse."""

    def __init__(self, db_path: Path | str) -> None:
        self.db_path = db_path

    def get(self, url: str) -> tuple[str | None, str | None, Any] | None:
        with store.connect(self.db_path) as con:
            row = con.execute(
                "SELECT etag, last_modified, body FROM raw_github_http_cache WHERE url = ?", [url]
            ).fetchone()
        return (row[0], row[1], json.loads(row[2])) if row else None

    def put(self, url: str, etag: str | None, last_modified: str | None, body: Any) -> None:
        with store.connect(self.db_path) as con:
            con.execute(
                "INSERT OR REPLACE INTO raw_github_http_cache VALUES (?, ?, ?, ?, ?)",
                [url, etag, last_modified, json.dumps(body), store.now()],
            )


class RestReader:
    """Counts what it sent: `requests` (every attempt) and `not_modified` (free 304s)."""

    def __init__(self, client: httpx.Client, config: GitHubConfig, cache: HttpCache) -> None:
        self.client, self.config, self.cache = client, config, cache
        self.requests = self.not_modified = 0

    def _send(self, url: str, what: str, headers: dict[str, str]) -> httpx.Response:
        retrying = retrying_for(self.config, what)

        def attempt() -> httpx.Response:
            self.requests += 1
            return send_request(self.client, self.config, "GET", url, headers=headers)

        try:
            return retrying(attempt)
        except (Retryable, httpx.HTTPError) as error:
            raise gave_up(what, error, self.config, retrying) from None

    def get(self, url: str, what: str) -> tuple[Any, httpx.Response]:
        """The JSON at `url`: the stored body when GitHub answers 304 Not Modified."""
        cached = self.cache.get(url)
        headers = {}
        if cached and cached[0]:
            headers["If-None-Match"] = cached[0]
        if cached and cached[1]:
            headers["If-Modified-Since"] = cached[1]
        response = self._send(url, what, headers)
        if response.status_code == 304 and cached is not None:
            self.not_modified += 1
            return cached[2], response
        body = read_json(ensure_ok(response, self.config, what), self.config, what, lambda d: d)
        etag, modified = response.headers.get("etag"), response.headers.get("last-modified")
        if etag or modified:
            self.cache.put(url, etag, modified, body)
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
