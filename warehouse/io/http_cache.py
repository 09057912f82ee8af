"""Conditional HTTP reads' memory: the ETag, Last-Modified and JSON body of each URL last read,
in `raw_http_cache`. Keyed by the URL alone, so any REST client (GitHub's, a package
registry's) can send the validators back and reuse the body on a 304 Not Modified.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from warehouse.io import store

TABLE = "raw_http_cache"


class HttpCache:
    """The validators and bodies of URLs already read; each call holds a connection briefly."""

    def __init__(self, db_path: Path | str, table: str = TABLE) -> None:
        if table not in store.ALL_TABLES:
            raise ValueError(f"unknown table {table!r}")
        self.db_path, self.table = db_path, table

    def get(self, url: str) -> tuple[str | None, str | None, Any] | None:
        """(etag, last_modified, body) stored for `url`, or None when it was never read."""
        with store.connect(self.db_path) as con:
            row = con.execute(
                f"SELECT etag, last_modified, body FROM {self.table} WHERE url = ?", [url]
            ).fetchone()
        return (row[0], row[1], json.loads(row[2])) if row else None

    def put(self, url: str, etag: str | None, last_modified: str | None, body: Any) -> None:
        with store.connect(self.db_path) as con:
            con.execute(
                f"INSERT OR REPLACE INTO {self.table} VALUES (?, ?, ?, ?, ?)",
                [url, etag, last_modified, json.dumps(body), store.now()],
            )
