"""SQL of the solve loop: which open issues of the work queue to try next, and where each
repository's code already is.

An issue is a candidate while its decision allows automation (not "never"), no change for it
is open, waiting or merged, and no finished attempt has read it as it is now (a fix run that
completed after the issue's last update; dry runs and attempts a budget stopped aside). So a
second `solve` after a crash or Ctrl-C picks up exactly the issues whose attempt never
finished, and an issue that was answered once is tried again only when somebody updates it.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import polars as pl

# The changes that hold an issue: proposed, waiting for the roll-out, or merged.
HOLDING_STATES = ("OPEN", "WAITING", "MERGED")

CANDIDATES_SQL = f"""
WITH held AS (
    SELECT DISTINCT p.source AS url
    FROM ledger_plan_items AS p JOIN ledger_changes AS c ON c.change_id = p.change_id
    WHERE c.state IN {HOLDING_STATES} AND NOT c.reverted
),
finished AS (
    SELECT json_extract_string(config, '$.issue.url') AS url, max(updated_at) AS at
    FROM ledger_runs
    WHERE kind = 'fix' AND status = 'COMPLETED'
      AND NOT coalesce(TRY_CAST(json_extract(config, '$.policy.dry_run') AS BOOLEAN), false)
      AND json_extract_string(summary, '$.budget_stop') IS NULL
    GROUP BY 1
)
SELECT q.rank, q.url, q.repo, q.repo_id, q.number, q.title,
       coalesce(r.body, '') AS body, q.category, q.complexity, q.risk, q.decision,
       q.language, q.priority, q.triage_confidence,
       coalesce(i.scope, []::VARCHAR[]) AS scope, i.updated_at
FROM fct_issue_priority AS q
JOIN fct_issues AS i USING (issue_id)
LEFT JOIN raw_github_issues AS r USING (issue_id)
LEFT JOIN finished AS f ON f.url = q.url
WHERE q.decision <> 'never'
  AND NOT EXISTS (SELECT 1 FROM held WHERE held.url = q.url)
  AND (f.at IS NULL OR f.at < i.updated_at)
  AND ($language IS NULL OR lower(q.language) = lower($language))
  AND ($repo IS NULL OR lower(q.repo) = lower($repo))
ORDER BY q.rank
LIMIT $top
"""

# Issues ranked above the cut that automation may never touch: the summary names them.
NEVER_SQL = """
SELECT q.url, q.repo, q.category, q.risk
FROM fct_issue_priority AS q
WHERE q.decision = 'never' AND q.rank <= $rank
  AND ($language IS NULL OR lower(q.language) = lower($language))
  AND ($repo IS NULL OR lower(q.repo) = lower($repo))
ORDER BY q.rank
"""

# A crawled workspace checkout of the repository (same canonical URL), if any.
CHECKOUT_SQL = """
SELECT local.path
FROM dim_repos AS gh JOIN dim_repos AS local
  ON local.canonical_url = gh.canonical_url AND local.source = 'local'
WHERE gh.repo_id = $repo_id AND local.path IS NOT NULL
ORDER BY local.path
LIMIT 1
"""


@dataclass(frozen=True)
class SolveQuery:
    """Which part of the work queue a solve run takes."""

    top: int
    language: str | None = None
    repo: str | None = None


def candidates(con: duckdb.DuckDBPyConnection, query: SolveQuery) -> pl.DataFrame:
    """The first `top` issues of the queue a solve may try now, best first."""
    params = {"top": query.top, "language": query.language, "repo": query.repo}
    return con.execute(CANDIDATES_SQL, params).pl()


def never_above(con: duckdb.DuckDBPyConnection, query: SolveQuery, rank: int) -> pl.DataFrame:
    """The issues ranked at or above `rank` whose decision is "never" (security, breaking)."""
    params = {"rank": rank, "language": query.language, "repo": query.repo}
    return con.execute(NEVER_SQL, params).pl()


def workspace_checkout(con: duckdb.DuckDBPyConnection, repo_id: str | None) -> str | None:
    """The path of a crawled local checkout of repository `repo_id`, or None."""
    if repo_id is None:
        return None
    row = con.execute(CHECKOUT_SQL, {"repo_id": repo_id}).fetchone()
    return row[0] if row else None
