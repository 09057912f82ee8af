"""SQL of the redundancy term: the projects to compare, and the clusters the CLI prints.

Projects are the scored entities of one language (fct_repo_scores: repositories, and packages
no known repository publishes) with what describes them: a GitHub description or an installed
distribution's summary, a local checkout's README head, last activity, stars and dependents.
"""

from __future__ import annotations

import duckdb
import polars as pl

CANDIDATES_SQL = """
SELECT
    s.entity_id,
    s.kind,
    s.name,
    s.source,
    lower(s.language) AS language,
    r.path,
    coalesce(r.description, p.summary) AS summary,
    l.readme_excerpt,
    -- one project seen twice (a checkout and its GitHub repository) shares this key
    coalesce(r.canonical_url, r.package_id, s.entity_id) AS project_key,
    greatest(r.last_commit_at, r.pushed_at) AS last_activity_at,
    r.stars,
    s.dependents
FROM fct_repo_scores AS s
LEFT JOIN dim_repos AS r ON s.kind = 'repo' AND r.repo_id = s.entity_id
LEFT JOIN stg_local__repos AS l ON s.kind = 'repo' AND l.repo_id = s.entity_id
LEFT JOIN dim_packages AS p ON s.kind = 'package' AND p.package_id = s.entity_id
WHERE lower(s.language) = lower(?)
ORDER BY s.entity_id
"""

CLUSTERS_SQL = """
WITH scored AS (
    SELECT *, max(redundancy) OVER (PARTITION BY cluster_id) AS cluster_score
    FROM raw_redundancy_scores
    WHERE lower(language) = lower(?) AND cluster_id IS NOT NULL
),
ranked AS (
    SELECT *, dense_rank() OVER (ORDER BY cluster_score DESC, cluster_id) AS cluster_rank
    FROM scored
)
SELECT cluster_rank AS cluster, name, kind, similarity, api_overlap, last_activity_at,
       stars, dependents, recommendation, redundancy, method, computed_at
FROM ranked
WHERE cluster_rank <= ?
ORDER BY cluster_rank, recommendation = 'keep' DESC, redundancy DESC, name
"""


def candidates(con: duckdb.DuckDBPyConnection, language: str) -> pl.DataFrame:
    """The scored projects of `language` (case-insensitive) with their text and activity."""
    return con.execute(CANDIDATES_SQL, [language]).pl()


def clusters(con: duckdb.DuckDBPyConnection, language: str, top: int) -> pl.DataFrame:
    """The `top` clusters of `language`, the most redundant first, keeper first in each."""
    return con.execute(CLUSTERS_SQL, [language, top]).pl()


def assessed_count(con: duckdb.DuckDBPyConnection, language: str) -> int:
    """How many projects of `language` the last redundancy run assessed."""
    sql = "SELECT count(*) FROM raw_redundancy_scores WHERE lower(language) = lower(?)"
    return con.execute(sql, [language]).fetchone()[0]
