"""This week's spend against the budgets (`globallm budget`, the Overview's "Budget this week").

The week is Monday 00:00 UTC to the next (scoring/budget.py has the rules). Tokens are every
`ledger_llm_calls` row called this week (tokens in + out; a cached answer has none), in all and
per `repo`. Seconds and issues come from this week's fix runs in `ledger_runs`: a fix run's
config is its parameters, whose `issue` holds `url`, `repo` and `language`; a run's seconds are
its wall time (updated_at - created_at), its issue counts once per distinct url. A run whose
issue names no repository (or language) counts for none. Languages are compared in lower case.
Every reader answers zeros while the ledger tables do not exist yet.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
import polars as pl

from scoring.budget import BudgetLimits, Spend, week_start
from warehouse.io import store
from warehouse.readers.queries import existing_tables

__all__ = ["BudgetLimits", "Spend", "budget_rows", "closest_to_limits", "read_spend"]

CALLS, RUNS = "ledger_llm_calls", "ledger_runs"

_TOKENS = f"""
    SELECT repo, coalesce(sum(coalesce(tokens_in, 0) + coalesce(tokens_out, 0)), 0)::BIGINT
    FROM {CALLS} WHERE called_at >= ? AND called_at < ?
    GROUP BY ALL
"""
# This week's fix runs with the repository, language and url of their issue (null if missing).
_FIX_RUNS = f"""
    SELECT json_extract_string(config, '$.issue.repo') AS repo,
           lower(json_extract_string(config, '$.issue.language')) AS language,
           json_extract_string(config, '$.issue.url') AS url,
           epoch(updated_at) - epoch(created_at) AS seconds
    FROM {RUNS} WHERE kind = 'fix' AND created_at >= ? AND created_at < ?
"""
_PER_REPO = f"""
    WITH runs AS ({_FIX_RUNS})
    SELECT repo, coalesce(sum(seconds), 0)::DOUBLE, count(DISTINCT url)
    FROM runs WHERE repo IS NOT NULL GROUP BY repo
"""
_PER_LANGUAGE = f"""
    WITH runs AS ({_FIX_RUNS})
    SELECT language, count(DISTINCT url) FROM runs WHERE language IS NOT NULL GROUP BY language
"""

ROW_SCHEMA = {
    "scope": pl.String,  # week | repository | language
    "name": pl.String,
    "budget": pl.String,  # tokens | seconds | issues
    "spent": pl.Int64,
    "limit": pl.Int64,  # 0: no limit
    "left": pl.Int64,  # null without a limit; never below 0
    "used_pct": pl.Float64,  # null without a limit
}


def read_spend(con: duckdb.DuckDBPyConnection, now: datetime | None = None) -> Spend:
    """What the week `now` falls in (default: this week) has spent so far."""
    start = week_start(now or store.now())
    window = [start, start + timedelta(days=7)]
    tables = existing_tables(con)
    week_tokens, repo_tokens = 0, {}
    if CALLS in tables:
        for repo, tokens in con.execute(_TOKENS, window).fetchall():
            week_tokens += tokens
            if repo is not None:
                repo_tokens[repo] = tokens
    repo_seconds, repo_issues, language_issues = {}, {}, {}
    if RUNS in tables:
        for repo, seconds, issues in con.execute(_PER_REPO, window).fetchall():
            repo_seconds[repo] = seconds
            if issues:
                repo_issues[repo] = issues
        language_issues = dict(con.execute(_PER_LANGUAGE, window).fetchall())
    return Spend(
        week_start=start,
        week_tokens=week_tokens,
        repo_tokens=repo_tokens,
        repo_seconds=repo_seconds,
        repo_issues=repo_issues,
        language_issues=language_issues,
    )


def _row(scope: str, name: str, budget: str, spent: float, limit: int) -> dict:
    spent = round(spent)
    return {
        "scope": scope,
        "name": name,
        "budget": budget,
        "spent": spent,
        "limit": limit,
        "left": max(limit - spent, 0) if limit else None,
        "used_pct": round(100 * spent / limit, 1) if limit else None,
    }


def budget_rows(spend: Spend, limits: BudgetLimits) -> pl.DataFrame:
    """One row per budget: the week's tokens always; per repository that spent anything this
    week its tokens, seconds (whole) and issues; per language its issues. `left` and
    `used_pct` are null where the limit is 0 (no limit)."""
    rows = [_row("week", "all", "tokens", spend.week_tokens, limits.tokens_per_week)]
    repos = sorted({*spend.repo_tokens, *spend.repo_seconds, *spend.repo_issues})
    for repo in repos:
        rows += [
            _row("repository", repo, "tokens", spend.repo_tokens.get(repo, 0),
                 limits.tokens_per_repo),
            _row("repository", repo, "seconds", spend.repo_seconds.get(repo, 0.0),
                 limits.seconds_per_repo),
            _row("repository", repo, "issues", spend.repo_issues.get(repo, 0),
                 limits.issues_per_repo),
        ]  # fmt: skip
    for language in sorted(spend.language_issues):
        count = spend.language_issues[language]
        rows.append(_row("language", language, "issues", count, limits.issues_per_language))
    return pl.DataFrame(rows, schema=ROW_SCHEMA)


def closest_to_limits(rows: pl.DataFrame, top: int = 5) -> pl.DataFrame:
    """The repositories nearest a limit: each one's most used limited budget (of equals, the
    first of tokens, seconds, issues), highest share first, then by name."""
    return (
        rows.filter((pl.col("scope") == "repository") & pl.col("used_pct").is_not_null())
        .sort(["used_pct", "name"], descending=[True, False], maintain_order=True)
        .unique("name", keep="first", maintain_order=True)
        .head(top)
        .drop("scope")
        .rename({"name": "repository"})
    )
