"""The registry crawl's writes and reads: packages with their edges, failures to retry, and
the crawl's BFS queue (raw_registry_crawl_queue), its checkpoint.

A package lands with its edges, its queue row marked done and its children queued, in one
transaction: a crawl killed at any point resumes from the queue, fetching nothing twice that
had landed, and queueing nothing twice (the queue is keyed by crawl and name).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from pydantic import BaseModel

from warehouse.io import store

# DuckDB's transactions are optimistic: two threads queueing the same dependency at once would
# conflict on its key. Landings of this process take turns (other processes wait on the file).
_WRITE_LOCK = threading.Lock()


class PackageRow(BaseModel):
    ecosystem: str
    name: str
    version: str
    summary: str | None
    license: str | None
    repository_url: str | None
    homepage: str | None
    dependent_packages: int | None
    dependent_repos: int | None
    dependents_source: str | None
    registry_url: str | None


class EdgeRow(BaseModel):
    ecosystem: str
    name: str
    target_name: str
    dependency_kind: str
    extra: str
    version_constraint: str
    marker: str | None


class RegistryStore:
    """Bound to one warehouse file; each method opens and closes its own connection."""

    def __init__(self, db_path: Path | str) -> None:
        self.db_path = db_path

    @contextmanager
    def held(self) -> Iterator[None]:
        """Keep the warehouse open across a few writes in a row (a package's cache writes and
        its landing): with a connection open, each further one takes under 1 ms instead of the
        ~20 ms of opening and closing the file. Never hold it across network waits: it keeps
        the file's lock and blocks `store.quiesced`."""
        with store.connect(self.db_path):
            yield

    def start(self, crawl_id: str, ecosystem: str, seeds: Sequence[str]) -> bool:
        """Queue the seeds unless this crawl has a queue already; True when it resumes."""
        with store.connect(self.db_path) as con:
            (queued,) = con.execute(
                "SELECT count(*) FROM raw_registry_crawl_queue WHERE crawl_id = ?", [crawl_id]
            ).fetchone()
            if not queued:
                self._enqueue(con, crawl_id, ecosystem, list(seeds), 0)
        return bool(queued)

    def pending(self, crawl_id: str) -> tuple[int, list[str]]:
        """The shallowest depth with pending packages, and those packages (depth -1: none)."""
        with store.connect(self.db_path) as con:
            rows = con.execute(
                "SELECT depth, name FROM raw_registry_crawl_queue WHERE crawl_id = ? "
                "AND state = 'pending' AND depth = (SELECT min(depth) FROM "
                "raw_registry_crawl_queue WHERE crawl_id = ? AND state = 'pending') ORDER BY name",
                [crawl_id, crawl_id],
            ).fetchall()
        return (rows[0][0], [r[1] for r in rows]) if rows else (-1, [])

    def land(
        self,
        crawl_id: str,
        package: PackageRow,
        edges: Sequence[EdgeRow],
        children: Sequence[str],
        depth: int,
    ) -> None:
        """The package and its edges (replacing its old ones), done in the queue, and its
        children queued one level deeper."""
        at = store.now()
        scope = {"ecosystem": package.ecosystem, "name": package.name}
        with _WRITE_LOCK, store.connect(self.db_path) as con:
            con.begin()
            try:
                con.execute(
                    "DELETE FROM raw_registry_dependencies WHERE ecosystem = ? AND name = ?",
                    list(scope.values()),
                )
                self._upsert(
                    con, "raw_registry_packages", [package.model_dump() | {"fetched_at": at}]
                )
                self._upsert(
                    con,
                    "raw_registry_dependencies",
                    [edge.model_dump() | {"fetched_at": at} for edge in edges],
                )
                con.execute(
                    "DELETE FROM raw_registry_fetch_failures WHERE ecosystem = ? AND name = ?",
                    list(scope.values()),
                )
                self._mark(con, crawl_id, package.name, "done")
                self._enqueue(con, crawl_id, package.ecosystem, list(children), depth + 1)
                con.commit()
            except Exception:
                con.rollback()
                raise

    def fail(self, crawl_id: str, ecosystem: str, name: str, error: str) -> None:
        """Record the failure (attempts count up across crawls); the crawl goes on."""
        with _WRITE_LOCK, store.connect(self.db_path) as con:
            con.execute(
                "INSERT INTO raw_registry_fetch_failures VALUES (?, ?, ?, 1, ?) "
                "ON CONFLICT (ecosystem, name) DO UPDATE SET error = excluded.error, "
                "attempts = raw_registry_fetch_failures.attempts + 1, "
                "failed_at = excluded.failed_at",
                [ecosystem, name, error[:2000], store.now()],
            )
            self._mark(con, crawl_id, name, "failed")

    def finish(self, crawl_id: str) -> dict[str, int]:
        """Drop the finished crawl's queue; its counts by state."""
        with store.connect(self.db_path) as con:
            rows = con.execute(
                "SELECT state, count(*) FROM raw_registry_crawl_queue WHERE crawl_id = ? "
                "GROUP BY state",
                [crawl_id],
            ).fetchall()
            con.execute("DELETE FROM raw_registry_crawl_queue WHERE crawl_id = ?", [crawl_id])
        return dict(rows)

    @staticmethod
    def _upsert(con, table: str, rows: list[dict]) -> None:
        if not rows:
            return
        names = list(rows[0])
        marks = ", ".join("?" for _ in names)
        con.executemany(
            f"INSERT OR REPLACE INTO {table} ({', '.join(names)}) VALUES ({marks})",
            [[row[n] for n in names] for row in rows],
        )

    @staticmethod
    def _mark(con, crawl_id: str, name: str, state: str) -> None:
        con.execute(
            "UPDATE raw_registry_crawl_queue SET state = ?, updated_at = ? "
            "WHERE crawl_id = ? AND name = ?",
            [state, store.now(), crawl_id, name],
        )

    @staticmethod
    def _enqueue(con, crawl_id: str, ecosystem: str, names: list[str], depth: int) -> None:
        if names:
            con.executemany(
                "INSERT INTO raw_registry_crawl_queue VALUES (?, ?, ?, ?, 'pending', ?) "
                "ON CONFLICT DO NOTHING",
                [[crawl_id, ecosystem, n, depth, store.now()] for n in dict.fromkeys(names)],
            )
