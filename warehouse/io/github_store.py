"""The GitHub source's writes and reads in the warehouse: rows, checkpoints and incremental
cursors (raw_github_cursors), and failures to retry next time (raw_github_fetch_failures).

Each page lands its rows before its cursor, both upserted by primary key, so a crawl killed
between the two re-reads one page and lands nothing twice. Discovery's rows carry no
`issues_closed_90d` (a separate issue search counts it), so landing them keeps the stored
count. Connections are held per page only. A renamed repository (same node_id, new name)
takes its old name's row, issues, issue cursor and failure rows along. The selection rule
itself (stars OR dependents) is the crawl's: this module hands out the facts it needs
(stars, and dependents as the last build scored them).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from warehouse.io import store


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

    def save_closed(self, counts: dict[str, int]) -> None:
        """Issues closed in 90 days of repositories already landed (full_name -> count)."""
        if not counts:
            return
        with store.connect(self.db_path) as con:
            con.execute(
                "UPDATE raw_github_repositories r SET issues_closed_90d = n.closed FROM "
                "(SELECT unnest(?) AS full_name, unnest(?) AS closed) n "
                "WHERE r.full_name = n.full_name",
                [list(counts), list(counts.values())],
            )

    def closed_unknown(self) -> list[str]:
        """Repositories whose count of issues closed in 90 days is not known yet (found by a
        discovery killed before it asked, or one GitHub gave no count for), to ask next time."""
        with store.connect(self.db_path) as con:
            rows = con.execute(
                "SELECT full_name FROM raw_github_repositories "
                "WHERE issues_closed_90d IS NULL ORDER BY full_name"
            ).fetchall()
        return [r[0] for r in rows]

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

    def clear_failures(self, scopes: Sequence[str]) -> None:
        """Forget the failures of scopes read successfully since (e.g. found unchanged)."""
        if not scopes:
            return
        with store.connect(self.db_path) as con:
            con.execute(
                "DELETE FROM raw_github_fetch_failures WHERE scope IN (SELECT unnest(?))",
                [list(scopes)],
            )

    def finish_discovery(
        self, languages: Sequence[str], min_stars: int, at: datetime, full: bool, plan: str = ""
    ) -> None:
        """A discovery that went through: drop its page checkpoints and its plan day (`plan`:
        the key given to `plan_day`), remember when it ran (and when the last full one did)."""
        with store.connect(self.db_path) as con:
            if plan:
                con.execute(
                    "DELETE FROM raw_github_cursors WHERE scope = ?", [f"discover-plan:{plan}"]
                )
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

    def known_repositories(self, older_than_h: float = 0.0) -> list[tuple[str, str, int | None]]:
        """(full_name, node_id, stars) of the GitHub repositories in the warehouse read more
        than `older_than_h` hours ago."""
        with store.connect(self.db_path) as con:
            rows = con.execute(
                "SELECT full_name, node_id, stars FROM raw_github_repositories "
                "WHERE node_id IS NOT NULL "
                "AND fetched_at <= now() - to_microseconds(CAST(? * 3.6e9 AS BIGINT)) "
                "ORDER BY full_name",
                [older_than_h],
            ).fetchall()
        return [(name, node, stars) for name, node, stars in rows]

    def dependents(self) -> dict[str, int]:
        """full_name (lower case) -> dependents of the GitHub repositories the last build
        scored with any (the dependents service's count where there is one, else the graph's:
        fct_repo_scores.dependents); empty before a build."""
        with store.connect(self.db_path) as con:
            scored = con.execute(
                "SELECT count(*) FROM information_schema.tables "
                "WHERE table_schema = 'main' AND table_name = 'fct_repo_scores'"
            ).fetchone()[0]
            if not scored:
                return {}
            rows = con.execute(
                "SELECT substr(entity_id, 8), max(dependents) FROM fct_repo_scores "
                "WHERE entity_id LIKE 'github:%' AND dependents > 0 GROUP BY 1"
            ).fetchall()
        return {name: int(count) for name, count in rows}

    def plan_day(self, key: str, today: datetime) -> datetime:
        """The day a discovery plan was first made with (date-split ranges depend on it): the
        stored one while that discovery is unfinished, else `today`, stored."""
        scope = f"discover-plan:{key}"
        with store.connect(self.db_path) as con:
            row = con.execute(
                "SELECT since FROM raw_github_cursors WHERE scope = ? AND since IS NOT NULL",
                [scope],
            ).fetchone()
            if row:
                return row[0]
            self._cursor(con, scope, None, today, False)
        return today

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
        instead of becoming a second one, and its issues, issue cursor and failures move along."""
        renamed = [(r["node_id"], r["repo_id"], r["full_name"]) for r in rows if r.get("node_id")]
        if renamed:
            new = {
                "node_id": [n for n, _, _ in renamed],
                "repo_id": [i for _, i, _ in renamed],
                "full_name": [f for _, _, f in renamed],
            }
            moved = con.execute(
                "SELECT r.full_name, n.full_name FROM raw_github_repositories r JOIN "
                "(SELECT unnest(?) AS node_id, unnest(?) AS repo_id, unnest(?) AS full_name) n "
                "ON r.node_id = n.node_id AND r.repo_id <> n.repo_id",
                [new["node_id"], new["repo_id"], new["full_name"]],
            ).fetchall()
            for old, current in moved:
                GitHubStore._move_name(con, old, current)
            con.execute(
                "DELETE FROM raw_github_repositories r USING (SELECT unnest(?) AS node_id, "
                "unnest(?) AS repo_id) n WHERE r.node_id = n.node_id AND r.repo_id <> n.repo_id",
                [new["node_id"], new["repo_id"]],
            )
        store.land(con, "raw_github_repositories", rows)

    @staticmethod
    def _move_name(con, old: str, new: str) -> None:
        """Carry a renamed repository's issues, `issues:` cursor and `repo:`/`issues:`
        failures from its old name to its new one (what the new name already has wins)."""
        con.execute(
            "UPDATE raw_github_issues SET repo_full_name = ? WHERE repo_full_name = ?", [new, old]
        )
        for table in ("raw_github_cursors", "raw_github_fetch_failures"):
            for prefix in ("repo:", "issues:"):
                con.execute(
                    f"UPDATE {table} SET scope = ? WHERE scope = ? "
                    f"AND NOT EXISTS (SELECT 1 FROM {table} WHERE scope = ?)",
                    [prefix + new, prefix + old, prefix + new],
                )
                con.execute(f"DELETE FROM {table} WHERE scope = ?", [prefix + old])

    @staticmethod
    def _cursor(con, scope: str, cursor: str | None, since: datetime | None, done: bool) -> None:
        con.execute(
            "INSERT OR REPLACE INTO raw_github_cursors VALUES (?, ?, ?, ?, ?)",
            [scope, cursor, since, done, store.now()],
        )

    @staticmethod
    def _clear_failure(con, scope: str) -> None:
        con.execute("DELETE FROM raw_github_fetch_failures WHERE scope = ?", [scope])
