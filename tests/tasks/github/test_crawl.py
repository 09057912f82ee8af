"""Reading one issue from GitHub (tasks/github/crawl.py) against the fake GitHub on loopback."""

from __future__ import annotations

import pytest

from tasks.github.crawl import fetch_issue, parse_issue_url
from tasks.github.http import GitHubEndpoint, GitHubError
from tests.fakes.github_server import GitHubServer

TOKEN = "ghp_issuetesttoken00000000000000000000"  # pragma: allowlist secret


def test_parse_issue_url():
    assert parse_issue_url("https://github.com/acme/core/issues/12") == ("acme", "core", 12)
    with pytest.raises(ValueError, match="not an issue URL"):
        parse_issue_url("https://github.com/acme/core/pull/12")


def test_fetch_issue_title_and_body(monkeypatch):
    with GitHubServer(TOKEN) as fake:
        fake.add_repo("acme", "core")
        fake.add_issue("acme", "core", 12, "Crash on empty input", "Steps: ...")
        monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
        endpoint = GitHubEndpoint(api_url=fake.base_url)  # a value, not the environment
        issue = fetch_issue.fn("https://github.com/acme/core/issues/12", endpoint=endpoint)
        with pytest.raises(GitHubError, match="HTTP 404") as missing:
            fetch_issue.fn("https://github.com/acme/core/issues/13", endpoint=endpoint)
    assert (issue.title, issue.body) == ("Crash on empty input", "Steps: ...")
    assert TOKEN not in str(missing.value)


def test_fetch_issue_needs_a_token(monkeypatch):
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    with pytest.raises(GitHubError, match="needs GITHUB_TOKEN"):
        fetch_issue.fn("https://github.com/acme/core/issues/12")
