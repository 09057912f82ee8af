"""SQL of triage: the open issues a triage method has not read in their current version, the
labelled issues an offline classifier learns from, the cached sentence embeddings of issue
versions, and the local checkouts of the issues' GitHub repositories (whose file paths an
LLM's triage prompt may name).

Both read the raw landing tables, so triage works right after a crawl, before any dbt build.
"""

from __future__ import annotations

import duckdb
import polars as pl

# Open issues whose current version (updated_at) has no row of this triage version yet.
UNTRIAGED_SQL = """
SELECT i.issue_id, i.updated_at, i.repo_full_name, i.number, i.title,
       coalesce(i.body, '') AS body, coalesce(i.labels, []::VARCHAR[]) AS labels,
       coalesce(i.linked_pull_requests, 0) AS linked_pull_requests
FROM raw_github_issues AS i
WHERE lower(i.state) = 'open'
  AND ($repo IS NULL OR lower(i.repo_full_name) = lower($repo))
  AND NOT EXISTS (
      SELECT 1 FROM raw_issue_triage AS t
      WHERE t.issue_id = i.issue_id AND t.issue_updated_at = i.updated_at
        AND t.model_version = $version
  )
ORDER BY i.updated_at DESC, i.issue_id
LIMIT $limit
"""

# Every issue with at least one label, whatever its state: labels are free supervision.
LABELLED_SQL = """
SELECT issue_id, updated_at, title, coalesce(body, '') AS body, labels
FROM raw_github_issues
WHERE len(coalesce(labels, []::VARCHAR[])) > 0
ORDER BY issue_id
"""

# The cached vector of each wanted (issue version, text) by `model`, by the wanted row's position.
CACHED_EMBEDDINGS_SQL = """
SELECT w.position, e.vector
FROM embeddings_wanted AS w
JOIN raw_issue_embeddings AS e
  ON e.issue_id = w.issue_id AND e.issue_updated_at = w.issue_updated_at
 AND e.model = $model AND e.text_sha = w.text_sha
ORDER BY w.position
"""

OPEN_COUNT_SQL = """
SELECT count(*) FROM raw_github_issues
WHERE lower(state) = 'open' AND ($repo IS NULL OR lower(repo_full_name) = lower($repo))
"""

# A local checkout of a GitHub repository: its remote names github.com/OWNER/NAME.
CHECKOUTS_SQL = r"""
SELECT repo, path FROM (
    SELECT lower(regexp_extract(remote_url, 'github\.com[:/]+([^/]+/[^/]+?)(?:\.git)?/*$', 1))
               AS repo,
           path, crawled_at, repo_id
    FROM raw_local_repos
)
WHERE repo <> ''
ORDER BY crawled_at DESC, repo_id
"""


def untriaged(
    con: duckdb.DuckDBPyConnection, version: str, repo: str | None, limit: int | None
) -> pl.DataFrame:
    """The open issues (of `repo`, or all) that triage `version` has not read as they are now,
    most recently updated first, at most `limit`."""
    params = {"repo": repo, "version": version, "limit": limit if limit is not None else 2**62}
    return con.execute(UNTRIAGED_SQL, params).pl()


def labelled(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Issues with labels: the classifier's training candidates (a label may name no category)."""
    return con.execute(LABELLED_SQL).pl()


def cached_embeddings(
    con: duckdb.DuckDBPyConnection, wanted: pl.DataFrame, model: str
) -> pl.DataFrame:
    """Of `wanted` (issue_id, issue_updated_at, text_sha; one row per text), the rows whose
    vector `model` made is cached: their position in `wanted` and the vector (a list)."""
    con.register("embeddings_wanted", wanted.with_row_index("position"))
    try:
        return con.execute(CACHED_EMBEDDINGS_SQL, {"model": model}).pl()
    finally:
        con.unregister("embeddings_wanted")


def open_issues(con: duckdb.DuckDBPyConnection, repo: str | None) -> int:
    """How many open issues (of `repo`, or all) the warehouse holds."""
    return con.execute(OPEN_COUNT_SQL, {"repo": repo}).fetchone()[0]


def checkouts(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Local checkout paths by the GitHub repository (owner/name, lowercased) their remote
    names; the most recently crawled one where several clone the same repository."""
    found: dict[str, str] = {}
    for repo, path in con.execute(CHECKOUTS_SQL).fetchall():
        found.setdefault(repo, path)
    return found
