"""tasks/pulls/github_checks.py: how check runs add up to one conclusion. Reading them from the
fake GitHub (pagination, retries, the token) is tested with the provider in test_github_api.py."""

from __future__ import annotations

from tasks.pulls.github_checks import summarize_checks


def test_summarize_checks_conclusions() -> None:
    done = {"status": "completed", "conclusion": "success"}
    assert summarize_checks([]).conclusion == "none"
    assert summarize_checks([done, {**done, "conclusion": "neutral"}]).conclusion == "success"
    assert summarize_checks([done, {"status": "queued", "conclusion": None}]).conclusion == (
        "pending"
    )
    assert summarize_checks([{**done, "conclusion": "timed_out"}]).failed == 1
