"""Budgets: the week window, refusals in their order and with their reasons, accounting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from scoring.budget import BudgetLimits, Spend, estimate_tokens, refusal, week_start

MONDAY = datetime(2026, 11, 30, tzinfo=UTC)
LIMITS = BudgetLimits(
    tokens_per_week=1_000_000,
    tokens_per_repo=100_000,
    seconds_per_repo=3600,
    issues_per_repo=5,
    issues_per_language=50,
)


def spend(**values) -> Spend:
    return Spend(week_start=MONDAY, **values)


def test_the_week_starts_on_monday_at_midnight_utc():
    assert week_start(datetime(2026, 12, 4, 17, 47, tzinfo=UTC)) == MONDAY
    assert week_start(MONDAY) == MONDAY
    assert week_start(MONDAY - timedelta(microseconds=1)) == MONDAY - timedelta(days=7)
    assert week_start(datetime(2026, 12, 6, 23, 59)) == MONDAY  # naive: taken as UTC
    # Monday 01:00 in UTC+2 is Sunday 23:00 UTC: still last week
    east = timezone(timedelta(hours=2))
    assert week_start(datetime(2026, 11, 30, 1, 0, tzinfo=east)) == MONDAY - timedelta(days=7)


def test_limits_are_not_negative_and_default_to_no_limit():
    assert BudgetLimits().tokens_per_week == 0
    with pytest.raises(ValidationError):
        BudgetLimits(tokens_per_repo=-1)


def test_estimate_is_a_quarter_of_the_prompt_characters_rounded_up_plus_the_answer():
    assert estimate_tokens(0, 0) == 0
    assert estimate_tokens(1, 0) == 1
    assert estimate_tokens(8, 100) == 102
    assert estimate_tokens(9, 100) == 103


def test_within_every_budget_nothing_is_refused():
    current = spend(week_tokens=10, repo_tokens={"psf/black": 10}, repo_issues={"psf/black": 1})
    assert refusal(LIMITS, current, "psf/black", "python", estimate_tokens=4_000) is None
    assert refusal(LIMITS, current, "psf/black", "python", starting_issue=True) is None
    assert refusal(LIMITS, spend(), None, None, estimate_tokens=999_999) is None


def test_a_repository_token_budget_names_the_repository_and_the_figures():
    current = spend(week_tokens=98_000, repo_tokens={"psf/black": 98_000})
    reason = refusal(LIMITS, current, "psf/black", "python", estimate_tokens=4_000)
    assert reason == (
        "budget: repository psf/black has used 98,000 of 100,000 tokens this week; "
        "this request needs about 4,000"
    )
    assert refusal(LIMITS, current, "psf/black", "python", estimate_tokens=2_000) is None
    assert refusal(LIMITS, current, "psf/other", "python", estimate_tokens=4_000) is None


def test_a_spent_token_budget_refuses_even_without_an_estimate():
    current = spend(week_tokens=100_000, repo_tokens={"psf/black": 100_000})
    reason = refusal(LIMITS, current, "psf/black", None, starting_issue=True)
    assert reason is not None and reason.endswith("tokens this week; none are left")


def test_the_weeks_tokens_come_first():
    current = spend(week_tokens=999_000, repo_tokens={"psf/black": 99_000})
    reason = refusal(LIMITS, current, "psf/black", "python", estimate_tokens=4_000)
    assert reason == (
        "budget: 999,000 of 1,000,000 LLM tokens are used this week (all repositories); "
        "this request needs about 4,000"
    )


def test_seconds_then_issues_per_repository_then_per_language():
    full = spend(
        repo_seconds={"psf/black": 3600.0},
        repo_issues={"psf/black": 5},
        language_issues={"python": 50},
    )
    assert refusal(LIMITS, full, "psf/black", "Python") == (
        "budget: repository psf/black has used 3,600 of 3,600 seconds of fix runs this week"
    )
    no_time_limit = LIMITS.model_copy(update={"seconds_per_repo": 0})
    assert refusal(no_time_limit, full, "psf/black", "Python", starting_issue=True) == (
        "budget: repository psf/black has started 5 of 5 issues this week"
    )
    assert refusal(no_time_limit, full, "psf/other", "Python", starting_issue=True) == (
        "budget: language python has started 50 of 50 issues this week"
    )


def test_issue_counts_are_checked_only_before_an_issue_is_started():
    current = spend(repo_issues={"psf/black": 5}, language_issues={"python": 50})
    assert refusal(LIMITS, current, "psf/black", "python", estimate_tokens=100) is None
    assert refusal(LIMITS, current, "psf/black", "python", starting_issue=True) is not None


def test_zero_is_no_limit():
    current = spend(
        week_tokens=10**9,
        repo_tokens={"a/b": 10**9},
        repo_seconds={"a/b": 1e9},
        repo_issues={"a/b": 10**6},
        language_issues={"go": 10**6},
    )
    none = BudgetLimits()
    assert refusal(none, current, "a/b", "go", estimate_tokens=10**6, starting_issue=True) is None


def test_add_returns_a_new_spend_with_the_amounts_added():
    before = spend(week_tokens=5, repo_tokens={"a/b": 5})
    after = before.add("a/b", "Python", tokens=10, seconds=1.5, issues=1)
    assert before.week_tokens == 5 and before.repo_issues == {}  # unchanged
    assert after.week_tokens == 15
    assert after.repo_tokens == {"a/b": 15}
    assert after.repo_seconds == {"a/b": 1.5}
    assert after.repo_issues == {"a/b": 1}
    assert after.language_issues == {"python": 1}
    assert after.week_start == MONDAY
    unattributed = after.add(None, None, tokens=7)
    assert unattributed.week_tokens == 22 and unattributed.repo_tokens == {"a/b": 15}


def test_a_loop_accounting_as_it_goes_is_refused_once_the_budget_is_spent():
    limits = BudgetLimits(tokens_per_repo=10_000)
    current = spend()
    calls = 0
    while refusal(limits, current, "a/b", None, estimate_tokens=3_000) is None:
        current = current.add("a/b", None, tokens=3_000)
        calls += 1
    assert calls == 3 and current.repo_tokens["a/b"] == 9_000
