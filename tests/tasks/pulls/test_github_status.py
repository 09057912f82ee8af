"""Reading a pull request back from the fake GitHub: its state, merge commit, head and checks;
and a failed read that comes back as a value instead of stopping a sync."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from tasks.github.http import GitHubConfig, GitHubEndpoint, GitHubError
from tasks.pulls.github_api import open_pull_request
from tasks.pulls.github_status import (
    PullStatus,
    checks_text,
    parse_pull_url,
    read_pull,
    read_pull_status,
)
from tasks.pulls.provider import ProviderError
from tests.fakes.github_server import GitHubServer, gateway_error

TOKEN = "ghp_statustest0123456789abcdefSECRET"  # pragma: allowlist secret
HEAD_SHA = "b" * 40


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch):
    with GitHubServer(TOKEN) as fake:
        fake.add_repo("acme", "core", {"main": "a" * 40, "fix-1": HEAD_SHA})
        monkeypatch.setenv("GITHUB_TOKEN", TOKEN)  # the task reads the token; the URL is a value
        yield fake


def endpoint(server: GitHubServer) -> GitHubEndpoint:
    return GitHubEndpoint(
        api_url=server.base_url,
        graphql_url=server.graphql_url,
        max_retries=2,
        backoff_s=0.01,
        max_backoff_s=0.05,
    )


def config(server: GitHubServer) -> GitHubConfig:
    return GitHubConfig(**endpoint(server).model_dump(), token=SecretStr(TOKEN))


def opened(server: GitHubServer) -> str:
    return open_pull_request(config(server), "acme", "core", "fix-1", "main", "Fix", "Why").url


def test_read_pull_open_then_merged(server: GitHubServer) -> None:
    url = opened(server)
    pull = read_pull(config(server), "acme", "core", 1)
    assert (pull.number, pull.url, pull.state, pull.merged) == (1, url, "open", False)
    assert (pull.head_sha, pull.merge_sha) == (HEAD_SHA, None)

    server.merge_pull("acme", "core", 1, merge_sha="m" * 40)
    merged = read_pull(config(server), "acme", "core", 1)
    assert (merged.state, merged.merged, merged.merge_sha) == ("closed", True, "m" * 40)
    (seen, _) = server.seen("GET /pull")
    assert seen.path == "/repos/acme/core/pulls/1" and seen.method == "GET"


def test_read_pull_of_a_missing_pull_request_is_a_404(server: GitHubServer) -> None:
    with pytest.raises(GitHubError) as raised:
        read_pull(config(server), "acme", "core", 7)
    assert raised.value.status == 404
    assert len(server.seen("GET /pull")) == 1  # a 404 is an answer, not retried


def test_read_pull_retries_a_502(server: GitHubServer) -> None:
    opened(server)
    server.inject("GET /pull", gateway_error(apply=False), gateway_error(apply=False))
    assert read_pull(config(server), "acme", "core", 1).state == "open"
    assert [s.status for s in server.seen("GET /pull")] == [502, 502, 200]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://github.com/acme/core/pull/12", ("acme", "core", 12)),
        ("https://github.example.com/acme/core.js/pull/3/", ("acme", "core.js", 3)),
    ],
)
def test_parse_pull_url(url: str, expected: tuple) -> None:
    assert parse_pull_url(url) == expected


@pytest.mark.parametrize("url", ["", "https://github.com/acme/core", "/tmp/bare.git#branch"])
def test_parse_pull_url_rejects_others(url: str) -> None:
    with pytest.raises(ProviderError, match="not a GitHub pull request URL"):
        parse_pull_url(url)


def test_read_pull_status_with_checks(server: GitHubServer) -> None:
    url = opened(server)
    runs = [
        ("lint", "completed", "success"),
        ("test", "completed", "failure"),
        ("e2e", "queued", None),
    ]
    server.add_check_runs("acme", "core", HEAD_SHA, runs)
    server.close_pull("acme", "core", 1)

    status = read_pull_status.fn(url, endpoint(server))

    assert (status.state, status.merged, status.head_sha, status.error) == (
        "closed",
        False,
        HEAD_SHA,
        None,
    )
    assert checks_text(status) == "1 passed, 1 failed, 1 pending (failure)"
    assert (
        server.seen("GET /check-runs")[0].path == f"/repos/acme/core/commits/{HEAD_SHA}/check-runs"
    )


def test_read_pull_status_returns_a_failed_read_as_a_value(server: GitHubServer) -> None:
    status = read_pull_status.fn("https://github.com/acme/core/pull/9", endpoint(server))
    assert status.state is None and "HTTP 404" in (status.error or "")
    assert checks_text(status).startswith("not read: GitHub read of pull request acme/core#9")
    assert server.seen("GET /check-runs") == []  # no head commit, no checks read


def test_read_pull_status_keeps_the_state_when_the_checks_fail(server: GitHubServer) -> None:
    url = opened(server)
    server.inject("GET /check-runs", gateway_error(404, apply=False))
    status = read_pull_status.fn(url, endpoint(server))
    assert status.state == "open" and status.error is None and status.checks is None
    assert "HTTP 404" in checks_text(status)


def test_checks_text_without_check_runs() -> None:
    from tasks.pulls.github_checks import summarize_checks

    status = PullStatus(pr_url="u", state="open", checks=summarize_checks([]))
    assert checks_text(status) == "none"
