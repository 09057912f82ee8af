"""Budgets: what this week's work may spend, what it has spent, and whether more may start.

Every budget is over the current week: since Monday 00:00 UTC (`week_start`). A limit of 0
means no limit for that budget. The five limits (settings `budgets.*`):

- `tokens_per_week`: all LLM tokens (in and out; a cached answer costs none) called this week;
- `tokens_per_repo`: the same, per repository the calls were made for;
- `seconds_per_repo`: the wall time of this week's fix runs, per repository of their issue;
- `issues_per_repo` / `issues_per_language`: the distinct issues fix runs started this week,
  per repository / per language (languages compared in lower case).

`refusal` answers, before an issue is started or an LLM call is made, whether it would go over
a budget and why; the solve loop enforces that, and `Spend.add` lets it account as it goes.
Pure: the warehouse reads the spend (warehouse/readers/budget_queries.py).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

CHARS_PER_TOKEN = 4  # the usual rough ratio for English and code


class BudgetLimits(BaseModel):
    """The weekly limits; 0 is no limit for that budget."""

    model_config = ConfigDict(frozen=True)

    tokens_per_week: int = Field(0, ge=0)
    tokens_per_repo: int = Field(0, ge=0)
    seconds_per_repo: int = Field(0, ge=0)
    issues_per_repo: int = Field(0, ge=0)
    issues_per_language: int = Field(0, ge=0)


def week_start(now: datetime) -> datetime:
    """Monday 00:00 UTC of the week `now` falls in (a naive `now` is taken as UTC)."""
    at = now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
    monday = at - timedelta(days=at.weekday())
    return monday.replace(hour=0, minute=0, second=0, microsecond=0)


def _language(language: str | None) -> str | None:
    return language.lower() if language else None


class Spend(BaseModel):
    """What this week (since `week_start`) has spent: LLM tokens in all and per repository,
    fix-run seconds per repository, issues started per repository and per language."""

    model_config = ConfigDict(frozen=True)

    week_start: datetime
    week_tokens: int = 0
    repo_tokens: dict[str, int] = Field(default_factory=dict)
    repo_seconds: dict[str, float] = Field(default_factory=dict)
    repo_issues: dict[str, int] = Field(default_factory=dict)
    language_issues: dict[str, int] = Field(default_factory=dict)

    def add(
        self,
        repo: str | None,
        language: str | None,
        tokens: int = 0,
        seconds: float = 0.0,
        issues: int = 0,
    ) -> Spend:
        """A new Spend with this much more spent for `repo` and `language` (either may be None:
        then only the week's tokens grow), so a running loop can account as it goes."""

        def plus(counts: dict, key: str | None, amount: float) -> dict:
            if key is None or not amount:
                return dict(counts)
            return {**counts, key: counts.get(key, 0) + amount}

        language = _language(language)
        return self.model_copy(
            update={
                "week_tokens": self.week_tokens + tokens,
                "repo_tokens": plus(self.repo_tokens, repo, tokens),
                "repo_seconds": plus(self.repo_seconds, repo, seconds),
                "repo_issues": plus(self.repo_issues, repo, issues),
                "language_issues": plus(self.language_issues, language, issues),
            }
        )


def estimate_tokens(prompt_chars: int, answer_tokens: int) -> int:
    """A call's tokens before it is made: the prompt at 4 characters a token (rounded up) plus
    the most the answer may use."""
    return -(-max(prompt_chars, 0) // CHARS_PER_TOKEN) + max(answer_tokens, 0)


def _tokens_over(used: int, limit: int, estimate: int) -> bool:
    return bool(limit) and (used >= limit or used + estimate > limit)


def _needs(estimate: int) -> str:
    return f"this request needs about {estimate:,}" if estimate else "none are left"


def refusal(
    limits: BudgetLimits,
    spend: Spend,
    repo: str | None,
    language: str | None,
    *,
    estimate_tokens: int = 0,
    starting_issue: bool = False,
) -> str | None:
    """Why the work asked for would go over a budget, or None when it may go ahead.

    Ask before each LLM call with the call's `estimate_tokens` (see `estimate_tokens()`), and
    before an issue is started with `starting_issue=True`: only then are the issue counts
    checked, since the issue under way is already counted. Token budgets refuse when nothing is
    left or the estimate does not fit; the time budget when the repository's fix runs have used
    it up; the issue budgets when starting one more would exceed them. Checked in this order:
    the week's tokens, the repository's tokens, its seconds, its issues, the language's issues;
    the first that refuses is the reason. A None `repo` or `language` skips its budgets, and a
    limit of 0 is no limit."""
    if _tokens_over(spend.week_tokens, limits.tokens_per_week, estimate_tokens):
        return (
            f"budget: {spend.week_tokens:,} of {limits.tokens_per_week:,} LLM tokens are used "
            f"this week (all repositories); {_needs(estimate_tokens)}"
        )
    if repo is not None:
        used = spend.repo_tokens.get(repo, 0)
        if _tokens_over(used, limits.tokens_per_repo, estimate_tokens):
            return (
                f"budget: repository {repo} has used {used:,} of {limits.tokens_per_repo:,} "
                f"tokens this week; {_needs(estimate_tokens)}"
            )
        seconds = spend.repo_seconds.get(repo, 0.0)
        if limits.seconds_per_repo and seconds >= limits.seconds_per_repo:
            return (
                f"budget: repository {repo} has used {seconds:,.0f} of "
                f"{limits.seconds_per_repo:,} seconds of fix runs this week"
            )
        started = spend.repo_issues.get(repo, 0)
        if starting_issue and limits.issues_per_repo and started >= limits.issues_per_repo:
            return (
                f"budget: repository {repo} has started {started:,} of "
                f"{limits.issues_per_repo:,} issues this week"
            )
    language = _language(language)
    if starting_issue and language is not None and limits.issues_per_language:
        started = spend.language_issues.get(language, 0)
        if started >= limits.issues_per_language:
            return (
                f"budget: language {language} has started {started:,} of "
                f"{limits.issues_per_language:,} issues this week"
            )
    return None
