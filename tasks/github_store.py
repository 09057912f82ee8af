"""The GitHub source's writes and reads in the warehouse: rows, checkpoints and incremental
cursors (raw_github_cursors), and failures to retry next time (raw_github_fetch_failures).

Each page lands its rows before its cursor, both upserted by primary key, so a crawl killed
between the two re-reads one page and lands nothing twice. Connections are held per page only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from tasks.github_discovery import passes_filter
from warehouse import store


class GitHubStore:
    """Bound to one warehouse file; each method opens and closes its own connection."""

    def __init__(self, db_path: Path | str) -> None:
        self.db_path = db_path

    def load(self, scope: str) -> tuple[str | None, bool] | None:
        with store.connect(self.db_path) as con:
            row = con.execute(
                "SELECT cursor, done FROM raw_github_cursors WHERE scope = ?", [scope]
            ).fetchone()
        return (row[0], row[1]) if row else None

    def save_page(self, scope: str, cursor: str | None, done: bool, rows: list[dict]) -> None:
        with store.connect(self.db_path) as con:
            self._land_repos(con, rows)
            self._cursor(con, scope, cursor, None, done)
            self._clear_failure(con, scope)

    def save_issues(self, done: list[tuple[str, list[dict]]], since: datetime) -> None:
        """Repositories whose issues were read completely: rows, then each one's cursor for
        the next crawl."""
        with store.connect(self.db_path) as con:
            store.land(con, "raw_github_issues", [row for _, rows in done for row in rows])
            for full_name, _ in done:
                self._cursor(con, f"issues:{full_name}", None, since, True)
                self._clear_failure(con, f"issues:{full_name}")

    def save_repos(self, rows: list[dict]) -> None:
        with store.connect(self.db_path) as con:
            self._land_repos(con, rows)
            for row in rows:
                self._clear_failure(con, f"repo:{row['full_name']}")

    def fail(self, scopes: Sequence[str], error: str) -> None:
        """Record each scope's failure; attempts count up across crawls."""
        with store.connect(self.db_path) as con:
            for scope in scopes:
                con.execute(
                    "INSERT INTO raw_github_fetch_failures VALUES (?, ?, 1, ?) "
                    "ON CONFLICT (scope) DO UPDATE SET error = excluded.error, "
                    "attempts = raw_github_fetch_failures.attempts + 1, "
                    "failed_at = excluded.failed_at",
                    [scope, error[:2000], store.now()],
                )

    def finish_discovery(
        self, languages: Sequence[str], min_stars: int, at: datetime, full: bool
    ) -> None:
        """A discovery that went through: drop its page checkpoints, remember when it ran
        (and when the last full one did)."""
        with store.connect(self.db_path) as con:
            for language in languages:
                con.execute(
                    "DELETE FROM raw_github_cursors WHERE scope LIKE ?",
                    [f"search:language:{language} %"],
                )
                self._cursor(con, f"discover:{language}:{min_stars}", None, at, True)
                if full:
                    self._cursor(con, f"discover-full:{language}:{min_stars}", None, at, True)

    def discovered_at(
        self, languages: Sequence[str], min_stars: int, kind: str = "discover"
    ) -> datetime | None:
        """When the last complete discovery (kind "discover-full": full one) of all these
        languages ran (the oldest of them)."""
        scopes = [f"{kind}:{language}:{min_stars}" for language in languages]
        with store.connect(self.db_path) as con:
            rows = con.execute(
                "SELECT since FROM raw_github_cursors WHERE scope IN (SELECT unnest(?))", [scopes]
            ).fetchall()
        return min(r[0] for r in rows) if len(rows) == len(scopes) else None

    def known_repositories(
        self, min_stars: int, older_than_h: float = 0.0, min_dependents: int | None = None
    ) -> list[tuple[str, str]]:
        """(full_name, node_id) of GitHub repositories in the warehouse that pass the filter
        (stars > min_stars OR dependents > min_dependents, dependents as the last build scored
        them: 0 before one), read more than `older_than_h` hours ago."""
        with store.connect(self.db_path) as con:
            scored = con.execute(
                "SELECT count(*) FROM information_schema.tables "
                "WHERE table_schema = 'main' AND table_name = 'fct_repo_scores'"
            ).fetchone()[0]
            dependents = (
                "(SELECT max(s.dependents) FROM fct_repo_scores s "
                "WHERE s.entity_id = 'github:' || lower(r.full_name))"
                if scored and min_dependents is not None
                else "0"
            )
            rows = con.execute(
                f"SELECT full_name, node_id, stars, {dependents} FROM raw_github_repositories r "
                "WHERE node_id IS NOT NULL "
                "AND fetched_at <= now() - to_microseconds(CAST(? * 3.6e9 AS BIGINT)) "
                "ORDER BY full_name",
                [older_than_h],
            ).fetchall()
        floor = min_dependents if min_dependents is not None else 2**62
        return [
            (name, node)
            for name, node, stars, deps in rows
            if passes_filter(stars, deps, min_stars, floor)
        ]

    def issue_cursors(self, names: Sequence[str]) -> dict[str, datetime]:
        with store.connect(self.db_path) as con:
            rows = con.execute(
                "SELECT substr(scope, 8), since FROM raw_github_cursors "
                "WHERE scope IN (SELECT 'issues:' || unnest(?)) AND since IS NOT NULL",
                [list(names)],
            ).fetchall()
        return dict(rows)

    def open_issue_counts(self, names: Sequence[str]) -> dict[str, int]:
        """Open issues per repository as its health signals last counted them."""
        with store.connect(self.db_path) as con:
            rows = con.execute(
                "SELECT full_name, open_issues FROM raw_github_repositories "
                "WHERE full_name IN (SELECT unnest(?)) AND open_issues IS NOT NULL",
                [list(names)],
            ).fetchall()
        return dict(rows)

    def failed_scopes(self, prefix: str) -> list[str]:
        with store.connect(self.db_path) as con:
            rows = con.execute(
                "SELECT scope FROM raw_github_fetch_failures WHERE scope LIKE ? ORDER BY scope",
                [prefix + "%"],
            ).fetchall()
        return [r[0] for r in rows]

    @staticmethod
    def _land_repos(con, rows: list[dict]) -> None:
        """Upsert repositories; one renamed since (same node_id, new name) replaces its old row
        instead of becoming a second one."""
        renamed = [(r["node_id"], r["repo_id"]) for r in rows if r.get("node_id")]
        if renamed:
            con.execute(
                "DELETE FROM raw_github_repositories r USING (SELECT unnest(?) AS node_id, "
                "unnest(?) AS repo_id) n WHERE r.node_id = n.node_id AND r.repo_id <> n.repo_id",
                [[n for n, _ in renamed], [i for _, i in renamed]],
            )
        store.land(con, "raw_github_repositories", rows)

    @staticmethod
    def _cursor(con, scope: str, cursor: str | None, since: datetime | None, done: bool) -> None:
        con.execute(
            "INSERT OR REPLACE INTO raw_github_cursors VALUES (?, ?, ?, ?, ?)",
            [scope, cursor, since, done, store.now()],
        )

    @staticmethod
    def _clear_failure(con, scope: str) -> None:
        con.execute("DELETE FROM raw_github_fetch_failures WHERE scope = ?", [scope])
