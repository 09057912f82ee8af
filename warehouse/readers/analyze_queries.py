"""`globallm analyze --repo OWNER/NAME`: one repository's scores, open issues, budget and changes.

The repository is found by OWNER/NAME, case-insensitive: its GitHub row of dim_repos (`name` is
GitHub's full name), else a local checkout whose canonical_url is https://<host>/owner/name.
Every dim_repos row sharing that canonical_url is the same repository (a checkout beside its
GitHub row), so its issues are the work queue's rows of any of them or named OWNER/NAME.

Its open changes are the ledger's OPEN or WAITING changes whose `repo` (a remote URL or a path,
tasks/campaign/recipes.py repo_label; OWNER/NAME for some writers) is the repository, compared
normalised (case, scheme, user, a trailing .git) like dim_repos' canonical_url; or a checkout's
path; or whose plan items' source is one of its issue URLs (a fix's plan names the issue).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import duckdb
import polars as pl

from scoring.budget import BudgetLimits
from warehouse.readers.budget_queries import ROW_SCHEMA, budget_rows, read_spend
from warehouse.readers.queries import ISSUE_QUEUE_COLUMNS, existing_tables, rows

# The changes still in flight: proposed (a PR open) or waiting for the roll-out.
OPEN_STATES = ("OPEN", "WAITING")
# fct_repo_scores' columns that name the entity rather than score it.
IDENTITY_COLUMNS = ("entity_id", "kind", "name", "source", "language")

_REPO_SQL = """
SELECT repo_id, name, source, path, remote_url, canonical_url, primary_language AS language,
       package_id
FROM dim_repos
WHERE (source = 'github' AND lower(name) = $key)
   OR canonical_url = 'https://' || split_part(canonical_url, '/', 3) || '/' || $key
ORDER BY source = 'github' DESC, lower(name) = $key DESC, repo_id
LIMIT 1
"""

_SAME_REPO_SQL = """
SELECT repo_id, source, path FROM dim_repos
WHERE repo_id = $repo_id OR canonical_url = $canonical_url
ORDER BY repo_id
"""

_PRIORITY_SQL = """
SELECT rank, priority, urgency, solvability, redundancy,
       (SELECT count(*) FROM fct_priority) AS ranked
FROM fct_priority WHERE entity_id = $repo_id
"""

_ISSUES_WHERE = "(repo_id IN (SELECT unnest($repo_ids::VARCHAR[])) OR lower(repo) = $key)"
_ISSUES_SQL = f"""
SELECT {ISSUE_QUEUE_COLUMNS} FROM fct_issue_priority
WHERE {_ISSUES_WHERE}
ORDER BY rank LIMIT $top
"""
_ISSUE_COUNT_SQL = f"SELECT count(*) FROM fct_issue_priority WHERE {_ISSUES_WHERE}"
# Every issue of the repository, open or closed: a change whose plan names one is its.
_ISSUE_URLS_SQL = """
SELECT url FROM fct_issues
WHERE dim_repo_id IN (SELECT unnest($repo_ids::VARCHAR[]))
   OR repo_id IN (SELECT unnest($repo_ids::VARCHAR[])) OR lower(repo_full_name) = $key
"""


def _normalised(column: str) -> str:
    """SQL for `column` as a repository URL normalised like dim_repos' canonical_url
    (warehouse/macros/normalise_repo_url.sql); OWNER/NAME stays owner/name."""
    steps = [
        (r"^[a-z0-9_.-]+@([^:/]+):", r"https://\1/"),
        (r"^(git\+)?(https?|ssh|git)://", "https://"),
        (r"^https://[^/@]+@", "https://"),
        (r"^https://([^/:]+):\d*/", r"https://\1/"),
        (r"^https://www\.", "https://"),
        (r"[?#].*$", ""),
        (r"(\.git)?/*$", ""),
    ]
    sql = f"lower(trim({column}))"
    for pattern, replacement in steps:
        sql = f"regexp_replace({sql}, '{pattern}', '{replacement}')"
    return sql


_CHANGES_SQL = f"""
WITH items AS (
    SELECT change_id,
           min(source) FILTER (WHERE source NOT LIKE 'recipe:%') AS issue,
           min(recipe) AS recipe,
           bool_or(starts_with(lower(source), $canonical_url || '/issues/')
                   OR source IN (SELECT unnest($issue_urls::VARCHAR[]))) AS for_repo
    FROM ledger_plan_items WHERE change_id IS NOT NULL
    GROUP BY change_id
)
SELECT c.change_id, c.state, c.repo, c.branch, c.pr_url, items.issue, items.recipe,
       c.files_changed, c.lines_added, c.lines_removed, c.run_id, c.created_at
FROM ledger_changes AS c LEFT JOIN items USING (change_id)
WHERE c.state IN {OPEN_STATES} AND NOT c.reverted
  AND ({_normalised("c.repo")} IN ($canonical_url, $key)
       OR rtrim(c.repo, '/') IN (SELECT unnest($paths::VARCHAR[]))
       OR coalesce(items.for_repo, false))
ORDER BY c.created_at, c.change_id
"""

CHANGE_SCHEMA = {
    "change_id": pl.String,
    "state": pl.String,
    "repo": pl.String,
    "branch": pl.String,
    "pr_url": pl.String,
    "issue": pl.String,
    "recipe": pl.String,
    "files_changed": pl.Int32,
    "lines_added": pl.Int32,
    "lines_removed": pl.Int32,
    "run_id": pl.String,
    "created_at": pl.Datetime(time_zone="UTC"),
}

_URL = re.compile(r"^(?:[a-z+]+://|[\w.-]+@[^:/]+:)")


def repo_key(text: str) -> str:
    """OWNER/NAME in lower case from OWNER/NAME or a repository URL (https, ssh, git@host:),
    a trailing .git and slashes dropped; other text (a path) only stripped and lower-cased."""
    key = text.strip().lower().rstrip("/").removesuffix(".git").rstrip("/")
    if _URL.match(key):
        parts = [p for p in re.split(r"[:/]", _URL.sub("", key)) if p]
        if len(parts) >= 2:  # host/owner/name (or owner/name after git@host:)
            return "/".join(parts[-2:])
    return key


def is_owner_name(key: str) -> bool:
    owner, slash, name = key.partition("/")
    return bool(owner and slash and name and "/" not in name)


@dataclass(frozen=True)
class Analysis:
    """What `globallm analyze` shows of one repository."""

    repo: dict  # its dim_repos facts, `checkouts` (local paths) and `priority` (fct_priority)
    scores: dict  # its fct_repo_scores row without the identity columns ({} if not scored)
    issues: pl.DataFrame  # the top open issues of the work queue, best first
    open_issues: int  # how many open issues the queue holds for it in all
    budget: pl.DataFrame  # this week's budget rows of the repository (budget_rows)
    changes: pl.DataFrame  # its OPEN and WAITING changes, oldest first
    health_components: list[str] = field(default_factory=list)  # scores' keys, health's first


def find_repo(con: duckdb.DuckDBPyConnection, key: str) -> dict | None:
    """The dim_repos row of repository `key` (owner/name, lower case), or None."""
    found = rows(con, _REPO_SQL, {"key": key})
    return found[0] if found else None


def repo_scores(con: duckdb.DuckDBPyConnection, repo_id: str) -> tuple[dict, list[str]]:
    """The repository's fct_repo_scores columns, every one but the identity columns, and which
    of them are health's (the columns up to `health`; the rest are impact's)."""
    found = rows(con, "SELECT * FROM fct_repo_scores WHERE entity_id = ?", [repo_id])
    if not found:
        return {}, []
    scores = {k: v for k, v in found[0].items() if k not in IDENTITY_COLUMNS}
    names = list(scores)
    health = names[: names.index("health") + 1] if "health" in names else []
    return scores, health


def open_changes(
    con: duckdb.DuckDBPyConnection,
    key: str,
    canonical_url: str | None,
    paths: list[str],
    issue_urls: list[str],
) -> pl.DataFrame:
    """The OPEN and WAITING changes of the repository (module docstring: how they match)."""
    if not {"ledger_changes", "ledger_plan_items"} <= existing_tables(con):
        return pl.DataFrame(schema=CHANGE_SCHEMA)
    params = {
        "key": key,
        "canonical_url": canonical_url or f"https://github.com/{key}",
        "paths": [p.rstrip("/") for p in paths],
        "issue_urls": issue_urls,
    }
    return con.execute(_CHANGES_SQL, params).pl()


def repo_budget(
    con: duckdb.DuckDBPyConnection, key: str, paths: list[str], limits: BudgetLimits
) -> pl.DataFrame:
    """This week's budget rows (tokens, seconds, issues) of the repository: those whose name is
    it as OWNER/NAME or a URL, in any case, or one of its checkouts' paths."""
    frame = budget_rows(read_spend(con), limits)
    names = [
        name
        for name in frame.filter(pl.col("scope") == "repository")["name"].unique().to_list()
        if repo_key(name) == key or name.rstrip("/") in paths
    ]
    if not names:
        return pl.DataFrame(schema=ROW_SCHEMA)
    return frame.filter((pl.col("scope") == "repository") & pl.col("name").is_in(names))


def analyze(
    con: duckdb.DuckDBPyConnection, repo: str, top: int, limits: BudgetLimits
) -> Analysis | None:
    """Repository `repo` (OWNER/NAME or its URL) as `globallm analyze` shows it, or None when
    the warehouse does not know it. Raises duckdb.CatalogException before the marts exist."""
    key = repo_key(repo)
    found = find_repo(con, key)
    if found is None:
        return None
    same = rows(
        con,
        _SAME_REPO_SQL,
        {"repo_id": found["repo_id"], "canonical_url": found["canonical_url"]},
    )
    repo_ids = [r["repo_id"] for r in same]
    checkouts = [r["path"] for r in same if r["source"] == "local" and r["path"]]
    priority = rows(con, _PRIORITY_SQL, {"repo_id": found["repo_id"]})
    scores, health = repo_scores(con, found["repo_id"])
    params = {"repo_ids": repo_ids, "key": key}
    issues = con.execute(_ISSUES_SQL, {**params, "top": top}).pl()
    count = int(con.execute(_ISSUE_COUNT_SQL, params).fetchone()[0])
    issue_urls = [r[0] for r in con.execute(_ISSUE_URLS_SQL, params).fetchall()]
    return Analysis(
        repo={**found, "checkouts": checkouts, "priority": priority[0] if priority else None},
        scores=scores,
        issues=issues,
        open_issues=count,
        budget=repo_budget(con, key, checkouts, limits),
        changes=open_changes(con, key, found["canonical_url"], checkouts, issue_urls),
        health_components=health,
    )
