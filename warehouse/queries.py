"""Readers over the marts that the CLI and the app share; every one opens read-only."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from warehouse import snapshot

# Statement types a reader may run; anything else (INSERT, COPY, ATTACH, SET...) is refused.
READ_ONLY_STATEMENTS = {"SELECT", "EXPLAIN"}


class WriteRefused(ValueError):
    """A statement that would change something, sent to a read-only reader."""


def check_read_only(sql: str) -> None:
    """Raise WriteRefused unless every statement in `sql` only reads."""
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as error:
        raise WriteRefused(f"could not parse the SQL: {error}") from error
    if not statements:
        raise WriteRefused("no SQL statement given")
    for statement in statements:
        kind = statement.type.name
        if kind not in READ_ONLY_STATEMENTS:
            raise WriteRefused(
                f"refused: {kind} statements can change the warehouse or the machine; "
                "only SELECT (and EXPLAIN) run here"
            )


def run_sql(db_path: Path, sql: str) -> pl.DataFrame:
    """Run read-only SQL against the warehouse and return the rows."""
    check_read_only(sql)
    with snapshot.connect_reader(db_path) as con:
        relation = con.sql(sql)
        if relation is None:
            return pl.DataFrame()
        return relation.pl()


def top_priorities(db_path: Path, top: int, kind: str | None = None) -> pl.DataFrame:
    """The first `top` rows of fct_priority (optionally of one kind), best first."""
    with snapshot.connect_reader(db_path) as con:
        return con.execute(
            "SELECT * FROM fct_priority WHERE kind = coalesce(?, kind) ORDER BY rank LIMIT ?",
            [kind, top],
        ).pl()


def existing_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Tables and views the warehouse holds (marts appear after the first build)."""
    return {
        row[0] for row in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }


# Overview figure -> (table it needs, SQL that computes it)
_OVERVIEW: dict[str, tuple[str, str]] = {
    "repositories": ("dim_repos", "SELECT count(*) FROM dim_repos"),
    "packages": ("dim_packages", "SELECT count(*) FROM dim_packages"),
    "issues": ("fct_issues", "SELECT count(*) FROM fct_issues WHERE state = 'open'"),
    "plan_items": ("ledger_plan_items", "SELECT count(*) FROM ledger_plan_items"),
    "prs_opened": (
        "ledger_changes",
        "SELECT count(*) FROM ledger_changes"
        " WHERE pr_url IS NOT NULL AND reverts_change_id IS NULL",
    ),
    "prs_merged": ("ledger_changes", "SELECT count(*) FROM ledger_changes WHERE merged"),
    "prs_blocked": (
        "ledger_changes",
        "SELECT count(*) FROM ledger_changes WHERE state = 'BLOCKED'",
    ),
    "llm_tokens_7d": (
        "ledger_llm_calls",
        "SELECT coalesce(sum(coalesce(tokens_in, 0) + coalesce(tokens_out, 0)), 0)"
        " FROM ledger_llm_calls WHERE called_at >= now() - INTERVAL 7 DAY",
    ),
    "runs": ("ledger_runs", "SELECT count(*) FROM ledger_runs WHERE parent_run_id IS NULL"),
}


def overview_figures(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """The headline counts the Overview page and `globallm status` show; 0 where a table is
    not there yet. Open issues only; pull requests are changes with one (reverts left out)."""
    tables = existing_tables(con)
    return {
        name: int(con.execute(sql).fetchone()[0]) if table in tables else 0
        for name, (table, sql) in _OVERVIEW.items()
    }


def _rows(
    con: duckdb.DuckDBPyConnection, sql: str, params: list | dict | None = None
) -> list[dict]:
    cursor = con.execute(sql, params or [])
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


# --- Overview -------------------------------------------------------------------------------


def last_runs(con: duckdb.DuckDBPyConnection, limit: int = 10) -> pl.DataFrame:
    """The newest top-level runs with their state and how long they took (or have run)."""
    return con.execute(
        """
        SELECT run_id, kind, recipe, status, actor, created_at AS started,
               round(epoch(updated_at - created_at), 1) AS duration_s
        FROM ledger_runs WHERE parent_run_id IS NULL
        ORDER BY created_at DESC LIMIT ?
        """,
        [limit],
    ).pl()


def runs_per_day(con: duckdb.DuckDBPyConnection, days: int = 90) -> pl.DataFrame:
    """Top-level runs started per day and kind over the last `days` days (the trend chart)."""
    return con.execute(
        """
        SELECT CAST(created_at AS DATE) AS day, kind, count(*) AS runs
        FROM ledger_runs
        WHERE parent_run_id IS NULL AND created_at >= now() - to_days(CAST(? AS INTEGER))
        GROUP BY ALL ORDER BY day, kind
        """,
        [days],
    ).pl()


# --- Priorities -----------------------------------------------------------------------------

PRIORITY_COLUMNS = (
    "rank, name, kind, source, language, priority, health, impact, solvability, urgency,"
    " redundancy, entity_id"
)


@dataclass(frozen=True)
class PriorityFilter:
    """The Priorities page's filters; an empty tuple means no filter on that column."""

    languages: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    min_priority: float = 0.0

    def where(self) -> tuple[str, list]:
        """The WHERE clause and its parameters, so the filtering happens inside DuckDB."""
        clauses, params = ["coalesce(priority, 0) >= ?"], [self.min_priority]
        for column, values in (
            ("language", self.languages),
            ("kind", self.kinds),
            ("source", self.sources),
        ):
            if values:
                clauses.append(f"{column} IN ({', '.join('?' * len(values))})")
                params.extend(values)
        return " AND ".join(clauses), params


def priority_options(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """The distinct languages, kinds and sources in fct_priority: the filters' choices."""
    return {
        column: [
            row[0]
            for row in con.execute(
                f"SELECT DISTINCT {column} FROM fct_priority WHERE {column} IS NOT NULL ORDER BY 1"
            ).fetchall()
        ]
        for column in ("language", "kind", "source")
    }


def priority_count(con: duckdb.DuckDBPyConnection, filters: PriorityFilter) -> int:
    """How many ranked rows pass the filters (the table shows one page of them)."""
    where, params = filters.where()
    return int(
        con.execute(f"SELECT count(*) FROM fct_priority WHERE {where}", params).fetchone()[0]
    )


def priority_page(
    con: duckdb.DuckDBPyConnection, filters: PriorityFilter, page: int = 1, page_size: int = 50
) -> pl.DataFrame:
    """One page (1-based) of the ranked rows that pass the filters, best first."""
    where, params = filters.where()
    return con.execute(
        f"SELECT {PRIORITY_COLUMNS} FROM fct_priority WHERE {where} ORDER BY rank LIMIT ? OFFSET ?",
        [*params, page_size, (max(page, 1) - 1) * page_size],
    ).pl()


def repo_detail(con: duckdb.DuckDBPyConnection, repo_id: str) -> dict:
    """A repository's crawled facts and its score components ({} where not there)."""
    facts = _rows(
        con,
        """
        SELECT name, source, path, remote_url, package_id, primary_language, loc, file_count,
               has_tests, has_ci, commits_90d, commits_365d, authors_365d, last_commit_at,
               days_since_last_commit, latest_tag, manifest_count, finding_count
        FROM dim_repos WHERE repo_id = ?
        """,
        [repo_id],
    )
    return {"facts": facts[0] if facts else {}, "scores": _scores(con, repo_id)}


def _scores(con: duckdb.DuckDBPyConnection, entity_id: str) -> dict:
    found = _rows(
        con,
        "SELECT velocity, diversity, recency, tests, ci, health, pagerank, dependents,"
        " downstream_reach, impact FROM fct_repo_scores WHERE entity_id = ?",
        [entity_id],
    )
    return found[0] if found else {}


def repo_issues(con: duckdb.DuckDBPyConnection, repo_id: str, limit: int = 20) -> pl.DataFrame:
    """A repository's open issues, most engaged first.

    An issue belongs to the repository by id, or by the GitHub owner/name its remote points at:
    a local checkout of acme/core is `local:...` while its issues are `github:acme/core`
    (stg_github__issues names them `github:` + the lowercased full name). Both ids are worked
    out first, so the scan of fct_issues compares one column with constants.
    """
    found = con.execute(
        r"""
        SELECT regexp_extract(remote_url, 'github\.com[:/]+([^/]+/[^/]+?)(?:\.git)?/*$', 1)
        FROM dim_repos WHERE repo_id = ?
        """,
        [repo_id],
    ).fetchone()
    github_id = f"github:{found[0].lower()}" if found and found[0] else repo_id
    return con.execute(
        """
        SELECT number, title, category, labels, reactions, comments, age_days, url
        FROM fct_issues
        WHERE repo_id IN (?, ?) AND state = 'open'
        ORDER BY coalesce(reactions, 0) + coalesce(comments, 0) DESC, number
        LIMIT ?
        """,
        [repo_id, github_id, limit],
    ).pl()


def package_detail(con: duckdb.DuckDBPyConnection, package_id: str) -> dict:
    """A package's metadata and its score components (`dependents` among them)."""
    facts = _rows(
        con,
        "SELECT name, ecosystem, installed_version, summary, home_page, repository_url, license,"
        " local_repo_id FROM dim_packages WHERE package_id = ?",
        [package_id],
    )
    return {"facts": facts[0] if facts else {}, "scores": _scores(con, package_id)}


# --- Repositories ---------------------------------------------------------------------------


def health_impact(con: duckdb.DuckDBPyConnection, limit: int = 5000) -> pl.DataFrame:
    """Health and impact of the `limit` best-ranked scored repositories (the scatter plot)."""
    return con.execute(
        "SELECT name, language, health, impact, priority, rank FROM fct_priority"
        " WHERE kind = 'repo' AND health IS NOT NULL AND impact IS NOT NULL"
        " ORDER BY rank LIMIT ?",
        [limit],
    ).pl()


def scored_repo_count(con: duckdb.DuckDBPyConnection) -> int:
    """Repositories with both health and impact (to say when the scatter plot is capped)."""
    return int(
        con.execute(
            "SELECT count(*) FROM fct_priority"
            " WHERE kind = 'repo' AND health IS NOT NULL AND impact IS NOT NULL"
        ).fetchone()[0]
    )


def top_pagerank(con: duckdb.DuckDBPyConnection, limit: int = 20) -> pl.DataFrame:
    """The repositories and packages most central to the dependency graph."""
    return con.execute(
        "SELECT name, kind, language, pagerank, dependents, downstream_reach, impact"
        " FROM fct_repo_scores ORDER BY pagerank DESC NULLS LAST, name LIMIT ?",
        [limit],
    ).pl()


def repo_choices(con: duckdb.DuckDBPyConnection, text: str = "", limit: int = 100) -> pl.DataFrame:
    """Repositories whose name contains `text`, best-ranked first, with where they live."""
    return con.execute(
        """
        WITH found AS (
            SELECT entity_id, name, rank FROM fct_priority
            WHERE kind = 'repo' AND contains(lower(name), lower(?))
            ORDER BY rank LIMIT ?
        )
        SELECT f.entity_id AS repo_id, f.name, coalesce(r.remote_url, r.path) AS location
        FROM found AS f LEFT JOIN dim_repos AS r ON r.repo_id = f.entity_id
        ORDER BY f.rank
        """,
        [text, limit],
    ).pl()


# One scan of the edges for both directions; each side is grouped and cut to the cap before the
# names are looked up, so only those few ids are probed in dim_repos and dim_packages.
_NEIGHBOURHOOD = """
    WITH edges AS (
        SELECT source_id = $repo_id AS outgoing,
               CASE WHEN source_id = $repo_id THEN target_id ELSE source_id END AS id,
               CASE WHEN source_id = $repo_id THEN 'package' ELSE source_kind END AS kind,
               dependency_kind
        FROM fct_dependency_edges
        WHERE source_id = $repo_id OR target_id = $package_id
    ),
    grouped AS (
        SELECT outgoing, id, any_value(kind) AS kind,
               string_agg(DISTINCT dependency_kind, ', ') AS kinds,
               count(*) OVER (PARTITION BY outgoing) AS total,
               row_number() OVER (PARTITION BY outgoing ORDER BY id) AS n
        FROM edges GROUP BY outgoing, id
    ),
    kept AS (SELECT * FROM grouped WHERE n <= $cap),
    names AS (
        SELECT repo_id AS id, name FROM dim_repos WHERE repo_id IN (SELECT id FROM kept)
        UNION ALL
        SELECT package_id, name FROM dim_packages WHERE package_id IN (SELECT id FROM kept)
    )
    SELECT k.outgoing, k.id, k.kind, coalesce(n.name, k.id) AS name, k.kinds, k.total
    FROM kept AS k LEFT JOIN names AS n ON n.id = k.id
    ORDER BY name, k.id
"""


def neighbourhood(con: duckdb.DuckDBPyConnection, repo_id: str, cap: int = 50) -> dict:
    """A repository's dependency neighbourhood at depth 1, at most `cap` edges in all.

    What it depends on, the package it publishes, and who depends on that package; each list
    comes with its full count so the page can say what was left out.
    """
    own = _rows(
        con,
        "SELECT r.name, r.package_id, p.name AS package_name FROM dim_repos AS r"
        " LEFT JOIN dim_packages AS p ON p.package_id = r.package_id WHERE r.repo_id = ?",
        [repo_id],
    )
    repo = own[0] if own else {"name": repo_id, "package_id": None, "package_name": None}
    found = _rows(
        con, _NEIGHBOURHOOD, {"repo_id": repo_id, "package_id": repo["package_id"], "cap": cap}
    )
    sides = {True: [], False: []}
    for row in found:
        sides[row.pop("outgoing")].append(row)
    depends_on, dependents = sides[True], sides[False]
    # Share the cap: each side keeps at least half of it when the other side is long.
    keep_dependents = min(len(dependents), max(cap - len(depends_on), cap // 2))
    keep_depends_on = min(len(depends_on), cap - keep_dependents)
    return {
        "repo": repo,
        "depends_on": depends_on[:keep_depends_on],
        "depends_on_total": depends_on[0]["total"] if depends_on else 0,
        "dependents": dependents[:keep_dependents],
        "dependents_total": dependents[0]["total"] if dependents else 0,
    }
