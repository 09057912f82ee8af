"""Readers of the Priorities page: the ranked list filtered and paged in SQL, and the detail
of the selected repository or package."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import polars as pl

from warehouse.readers.queries import rows

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
    facts = rows(
        con,
        """
        SELECT name, source, path, remote_url, package_id, primary_language, loc, file_count,
               has_tests, has_ci, commits_90d, commits_365d, authors_365d, last_commit_at,
               days_since_last_commit, latest_tag, manifest_count, finding_count
        FROM dim_repos WHERE repo_id = ?
        """,
        [repo_id],
    )
    return {
        "facts": facts[0] if facts else {},
        "github": github_facts(con, repo_id),
        "scores": _scores(con, repo_id),
    }


def github_facts(con: duckdb.DuckDBPyConnection, repo_id: str) -> dict:
    """What GitHub says of the repository ({} where it was not fetched): its own row when it
    is a GitHub repository, else the GitHub row sharing a local checkout's canonical URL."""
    found = rows(
        con,
        """
        SELECT g.name, g.remote_url AS url, g.stars, g.forks, g.archived, g.license,
               g.ci_state, g.open_issues, g.closed_issues, g.issues_closed_90d, g.releases,
               g.latest_release_at, g.pushed_at, g.has_security_policy, g.has_codeowners
        FROM dim_repos r
        JOIN dim_repos g
          ON g.source = 'github' AND (g.repo_id = r.repo_id OR g.canonical_url = r.canonical_url)
        WHERE r.repo_id = ?
        ORDER BY g.repo_id = r.repo_id DESC
        LIMIT 1
        """,
        [repo_id],
    )
    return found[0] if found else {}


def _scores(con: duckdb.DuckDBPyConnection, entity_id: str) -> dict:
    found = rows(
        con,
        "SELECT velocity, diversity, recency, tests, ci, resolution, health, pagerank, dependents,"
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
    facts = rows(
        con,
        "SELECT name, ecosystem, installed_version, summary, home_page, repository_url, license,"
        " local_repo_id FROM dim_packages WHERE package_id = ?",
        [package_id],
    )
    return {"facts": facts[0] if facts else {}, "scores": _scores(con, package_id)}
