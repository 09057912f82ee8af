"""Readers of the Repositories page: health against impact, PageRank, and a repository's
dependency neighbourhood."""

from __future__ import annotations

import duckdb
import polars as pl

from warehouse.readers.queries import rows

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
    own = rows(
        con,
        "SELECT r.name, r.package_id, p.name AS package_name FROM dim_repos AS r"
        " LEFT JOIN dim_packages AS p ON p.package_id = r.package_id WHERE r.repo_id = ?",
        [repo_id],
    )
    repo = own[0] if own else {"name": repo_id, "package_id": None, "package_name": None}
    found = rows(
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
