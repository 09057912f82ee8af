"""The `github` provider against a real, stateful fake GitHub on 127.0.0.1 (no httpx mocks).

Each test drives the real client, then checks what the server holds (how many pull requests,
which reviewers, whether auto-merge is on) and what it was sent, including how writes were
looked up instead of repeated after a lost answer, how rate limits were waited out, and that
the token never leaks. GraphQL documents are validated against GitHub's published schema.
"""

from __future__ import annotations

import logging
import time

import httpx
import pytest
from pydantic import SecretStr

from fixers.plan import owner_of, parse_codeowners
from tasks.github.http import GitHubConfig, GitHubEndpoint, GitHubError, RateLimited
from tasks.pulls.github_api import (
    open_pull_request,
    open_pull_request_task,
    parse_repo,
    request_reviewers,
    reviewers_from_owners,
)
from tasks.pulls.github_auto_merge import AUTO_MERGE_STATE, ENABLE_AUTO_MERGE, enable_auto_merge
from tasks.pulls.github_checks import check_status, check_status_task
from tasks.pulls.provider import ProviderError
from tests.fakes.github_server import (
    Fault,
    GitHubServer,
    gateway_error,
    graphql_errors,
    primary_rate_limit,
    retry_after,
)

TOKEN = "ghp_test0123456789abcdefSECRETtoken"  # pragma: allowlist secret
MAIN_SHA, HEAD_SHA = "a" * 40, "b" * 40


@pytest.fixture
def server():
    with GitHubServer(TOKEN) as fake:
        fake.add_repo("acme", "core", {"main": MAIN_SHA, "fix-1": HEAD_SHA, "fix-2": "c" * 40})
        yield fake
        assert fake.invalid_queries == [], "the client sent GraphQL that GitHub would reject"


@pytest.fixture
def graphql_server(server: GitHubServer, github_schema):
    server.schema = github_schema
    return server


def config(server: GitHubServer, **changes: object) -> GitHubConfig:
    values = {
        "api_url": server.base_url,
        "graphql_url": server.graphql_url,
        "token": SecretStr(TOKEN),
        "timeout_s": 5.0,
        "max_retries": 3,
        "backoff_s": 0.01,
        "max_backoff_s": 0.05,
    }
    return GitHubConfig(**(values | changes))


def open_fix(server: GitHubServer, **changes: object):
    cfg = config(server, **changes)
    return open_pull_request(cfg, "acme", "core", "fix-1", "main", "Fix: area", "Body")


def routes(server: GitHubServer) -> list[tuple[str, int]]:
    return [(seen.route, seen.status) for seen in server.requests]


def test_open_pull_request_request_shape(server: GitHubServer) -> None:
    cfg = config(server)
    pull = open_pull_request(cfg, "acme", "core", "fix-1", "main", "Fix: area", "Why", draft=True)

    assert len(server.pulls) == 1
    made = server.pulls[0]
    assert pull.number == made["number"] == 1
    assert pull.url == made["html_url"] == "https://github.com/acme/core/pull/1"
    assert (pull.node_id, pull.state, pull.head_sha) == (made["node_id"], "open", HEAD_SHA)
    assert routes(server) == [("GET /pulls", 200), ("POST /pulls", 201)]
    lookup, create = server.requests
    assert lookup.query == {"head": ["acme:fix-1"], "state": ["open"]}
    assert create.path == "/repos/acme/core/pulls"
    assert create.json == {
        "title": "Fix: area",
        "head": "fix-1",
        "base": "main",
        "body": "Why",
        "draft": True,
    }
    for seen in server.requests:
        assert seen.headers["Authorization"] == f"Bearer {TOKEN}"
        assert seen.headers["Accept"] == "application/vnd.github+json"
        assert seen.headers["X-GitHub-Api-Version"] == "2022-11-28"
        assert seen.headers["User-Agent"].startswith("globallm")


def test_opening_twice_returns_the_same_pull_request_with_one_post(server: GitHubServer) -> None:
    first, second = open_fix(server), open_fix(server)

    assert second == first
    assert len(server.pulls) == 1
    assert len(server.seen("POST /pulls")) == 1
    assert routes(server)[-1] == ("GET /pulls", 200)


def test_a_different_base_gets_its_own_pull_request(server: GitHubServer) -> None:
    cfg = config(server)
    into_main = open_fix(server)
    into_fix2 = open_pull_request(cfg, "acme", "core", "fix-1", "fix-2", "Stacked", "")

    assert into_fix2.number != into_main.number
    assert [p["base"]["ref"] for p in server.pulls] == ["main", "fix-2"]


def test_post_that_created_the_pull_request_but_answered_502(server: GitHubServer) -> None:
    server.inject("POST /pulls", gateway_error(502, apply=True))

    pull = open_fix(server)

    assert len(server.pulls) == 1
    assert pull.number == server.pulls[0]["number"]
    assert routes(server) == [("GET /pulls", 200), ("POST /pulls", 502), ("GET /pulls", 200)]


def test_post_that_failed_with_502_is_sent_again_after_the_lookup(server: GitHubServer) -> None:
    server.inject("POST /pulls", gateway_error(503, apply=False))

    pull = open_fix(server)

    assert len(server.pulls) == 1 and pull.number == 1
    assert [r for r, _ in routes(server)] == ["GET /pulls", "POST /pulls"] * 2


def test_post_that_created_the_pull_request_but_timed_out(server: GitHubServer) -> None:
    server.inject("POST /pulls", Fault(status=None, apply=True, delay_s=3.0))

    pull = open_fix(server, timeout_s=1.5)  # the lookups must answer in time on a loaded machine

    assert len(server.pulls) == 1 and pull.number == 1
    assert len(server.seen("POST /pulls")) == 1


def test_already_exists_422_returns_the_existing_pull_request(server: GitHubServer) -> None:
    existing = open_fix(server)
    # The list endpoint lags (or another worker opened it between lookup and POST): the
    # lookup sees nothing, GitHub's 422 says it exists, the client looks again.
    server.inject("GET /pulls", Fault(status=200, body=[]))
    server.requests.clear()

    again = open_fix(server)

    assert again == existing
    assert len(server.pulls) == 1
    assert routes(server) == [("GET /pulls", 200), ("POST /pulls", 422), ("GET /pulls", 200)]


def test_a_refused_pull_request_is_not_retried(server: GitHubServer) -> None:
    cfg = config(server)
    with pytest.raises(GitHubError, match="HTTP 422") as caught:
        open_pull_request(cfg, "acme", "core", "no-such-branch", "main", "T", "")

    assert caught.value.status == 422
    assert "invalid" in str(caught.value)
    assert len(server.seen("POST /pulls")) == 1
    assert server.pulls == []


def test_reviewers_from_codeowners(server: GitHubServer) -> None:
    rules = parse_codeowners(
        "* @acme/platform\nsrc/ @ada @acme/core-team dev@acme.example @Bob # owners of the code\n"
    )
    owners = owner_of("src/acme_core/more.py", rules)
    users, teams = reviewers_from_owners(owners)
    assert (users, teams) == (["ada", "Bob"], ["core-team"])
    pull = open_fix(server)

    asked = request_reviewers(config(server), "acme", "core", pull.number, users, teams)

    (sent,) = server.seen("POST /requested_reviewers")
    assert sent.path == "/repos/acme/core/pulls/1/requested_reviewers"
    assert sent.json == {"reviewers": ["ada", "Bob"], "team_reviewers": ["core-team"]}
    assert [u["login"] for u in server.pulls[0]["requested_reviewers"]] == ["ada", "Bob"]
    assert [t["slug"] for t in server.pulls[0]["requested_teams"]] == ["core-team"]
    assert (asked.reviewers, asked.team_reviewers) == (["ada", "Bob"], ["core-team"])


def test_no_reviewers_means_no_request(server: GitHubServer) -> None:
    asked = request_reviewers(config(server), "acme", "core", 1, [], [])
    assert asked.reviewers == asked.team_reviewers == []
    assert server.requests == []


def test_review_request_answered_502_is_looked_up_not_repeated(server: GitHubServer) -> None:
    pull = open_fix(server)
    server.inject("POST /requested_reviewers", gateway_error(502, apply=True))

    asked = request_reviewers(config(server), "acme", "core", pull.number, ["ada"], ["@acme/qa"])

    assert (asked.reviewers, asked.team_reviewers) == (["ada"], ["qa"])
    assert len(server.seen("POST /requested_reviewers")) == 1
    assert server.seen("GET /requested_reviewers")[0].status == 200


def test_enable_auto_merge_sends_a_schema_valid_mutation(graphql_server: GitHubServer) -> None:
    pull = open_fix(graphql_server)

    merge = enable_auto_merge(config(graphql_server), pull.node_id, "SQUASH")

    assert (merge.number, merge.merge_method) == (pull.number, "SQUASH")
    assert merge.enabled_at
    assert graphql_server.pulls[0]["auto_merge"]["merge_method"] == "squash"
    (sent,) = graphql_server.seen("POST /graphql")
    assert sent.json["query"] == ENABLE_AUTO_MERGE
    assert sent.json["variables"] == {"pullRequestId": pull.node_id, "mergeMethod": "SQUASH"}
    assert sent.headers["Authorization"] == f"Bearer {TOKEN}"
    assert graphql_server.invalid_queries == []


def test_auto_merge_answered_502_is_looked_up(graphql_server: GitHubServer) -> None:
    pull = open_fix(graphql_server)
    graphql_server.inject("POST /graphql", gateway_error(502, apply=True))

    merge = enable_auto_merge(config(graphql_server), pull.node_id)

    assert merge.merge_method == "MERGE"
    queries = [s.json["query"] for s in graphql_server.seen("POST /graphql")]
    assert queries == [ENABLE_AUTO_MERGE, AUTO_MERGE_STATE]


def test_graphql_errors_in_a_200_answer_raise(graphql_server: GitHubServer) -> None:
    graphql_server.repos[("acme", "core")].allow_auto_merge = False
    pull = open_fix(graphql_server)

    with pytest.raises(GitHubError, match="Auto merge is not allowed") as caught:
        enable_auto_merge(config(graphql_server), pull.node_id)

    assert not isinstance(caught.value, RateLimited)
    assert graphql_server.pulls[0]["auto_merge"] is None
    assert len(graphql_server.seen("POST /graphql")) == 1
    with pytest.raises(GitHubError, match="Could not resolve to a node"):
        enable_auto_merge(config(graphql_server), "PR_nonexistent")


def test_github_http_errors_are_not_provider_errors() -> None:
    """A failed issue crawl is GitHub's error, not a pull-request provider's: only the github
    provider's tasks (tasks/pulls/github.py) turn GitHubError into ProviderError."""
    assert not issubclass(GitHubError, ProviderError)


def test_graphql_rate_limit_in_a_200_answer_raises_clearly(graphql_server: GitHubServer) -> None:
    pull = open_fix(graphql_server)
    limited = {"type": "RATE_LIMITED", "message": "API rate limit exceeded for user ID 1."}
    graphql_server.inject("POST /graphql", graphql_errors(limited))

    with pytest.raises(RateLimited, match=r"rate limit exhausted.*API rate limit exceeded"):
        enable_auto_merge(config(graphql_server), pull.node_id)

    assert len(graphql_server.seen("POST /graphql")) == 1
    assert graphql_server.pulls[0]["auto_merge"] is None


def test_the_fake_rejects_queries_github_would_reject(github_schema) -> None:
    with GitHubServer(TOKEN, schema=github_schema) as fake:
        bad = 'mutation { enablePullRequestAutoMerge(input: {pullRequestId: "x"}) { nope } }'
        answer = httpx.post(
            fake.graphql_url, json={"query": bad}, headers={"Authorization": f"Bearer {TOKEN}"}
        )
    assert answer.status_code == 200
    assert "Cannot query field 'nope'" in answer.json()["errors"][0]["message"]
    assert len(fake.invalid_queries) == 1


def test_check_status_follows_pagination(server: GitHubServer) -> None:
    server.max_per_page = 2
    runs = [
        ("lint", "completed", "success"),
        ("docs", "completed", "skipped"),
        ("tests", "completed", "failure"),
        ("deploy", "in_progress", None),
    ]
    server.add_check_runs("acme", "core", HEAD_SHA, runs)

    summary = check_status(config(server), "acme", "core", HEAD_SHA)

    assert (summary.total, summary.passed, summary.failed, summary.pending) == (4, 2, 1, 1)
    assert summary.conclusion == "failure"
    first, second = server.seen("GET /check-runs")
    assert first.query == {"per_page": ["100"]}
    assert second.query == {"per_page": ["2"], "page": ["2"]}


def test_a_next_link_to_another_host_is_not_followed(server: GitHubServer) -> None:
    link = '<https://elsewhere.example/steal?page=2>; rel="next"'
    page = {"total_count": 2, "check_runs": []}
    server.inject("GET /check-runs", Fault(status=200, body=page, headers={"Link": link}))

    with pytest.raises(GitHubError, match="refusing to follow"):
        check_status(config(server), "acme", "core", HEAD_SHA)


def test_429_with_retry_after_is_waited_out(server: GitHubServer) -> None:
    server.add_check_runs("acme", "core", HEAD_SHA, [("lint", "completed", "success")])
    server.inject("GET /check-runs", retry_after(1))

    started = time.monotonic()
    summary = check_status(config(server), "acme", "core", HEAD_SHA)

    assert summary.conclusion == "success"
    assert time.monotonic() - started >= 0.9
    assert [s for _, s in routes(server)] == [429, 200]
    assert server.refused_early == []


def test_retry_after_is_capped(server: GitHubServer) -> None:
    server.inject("GET /check-runs", Fault(status=429, headers={"Retry-After": "3600"}))

    started = time.monotonic()
    summary = check_status(config(server, retry_after_cap_s=0.1), "acme", "core", HEAD_SHA)

    assert summary.conclusion == "none"
    assert time.monotonic() - started < 60  # not the 3600 s asked (wide for a loaded machine)


def test_primary_rate_limit_403_waits_until_reset(server: GitHubServer) -> None:
    server.inject("GET /pulls", primary_rate_limit(reset_in_s=1))

    started = time.monotonic()
    pull = open_fix(server)

    assert pull.number == 1
    assert time.monotonic() - started >= 0.9
    assert routes(server)[:2] == [("GET /pulls", 403), ("GET /pulls", 200)]
    assert server.refused_early == []


def test_reads_give_up_after_max_retries(server: GitHubServer) -> None:
    server.inject("GET /check-runs", *[gateway_error(503, apply=False)] * 5)

    with pytest.raises(GitHubError, match="after 3 attempt") as caught:
        check_status(config(server, max_retries=2), "acme", "core", HEAD_SHA)

    assert caught.value.status == 503
    assert len(server.seen("GET /check-runs")) == 3


def test_the_token_never_leaks(server: GitHubServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    echo = {"message": f"token {TOKEN} is not allowed here"}
    server.inject("GET /pulls", Fault(status=500, body=echo), Fault(status=404, body=echo))
    cfg = config(server)

    with pytest.raises(GitHubError) as caught:
        open_fix(server)
    server.inject("GET /check-runs", *[Fault(status=502, body=echo)] * 4)
    with pytest.raises(GitHubError) as exhausted:
        check_status(cfg, "acme", "core", HEAD_SHA)

    assert server.requests and all(TOKEN in s.headers["Authorization"] for s in server.requests)
    texts = [str(caught.value), repr(caught.value), str(exhausted.value), caplog.text]
    texts += [repr(cfg), str(cfg), cfg.model_dump_json(), f"{cfg!r}"]
    assert "[redacted]" in str(caught.value)
    assert "retry 1 of 3" in caplog.text
    for text in texts:
        assert TOKEN not in text


def test_bad_token_is_refused_without_quoting_it(server: GitHubServer) -> None:
    with pytest.raises(GitHubError, match=r"HTTP 401: .*Bad credentials") as caught:
        check_status(config(server, token=SecretStr("wrong-token")), "acme", "core", HEAD_SHA)
    assert "wrong-token" not in str(caught.value)


def test_config_takes_the_endpoint_as_a_value_and_only_the_token_from_env(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    assert GitHubConfig.for_endpoint() is None
    monkeypatch.setenv("GITHUB_TOKEN", "  ")
    assert GitHubConfig.for_endpoint() is None
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("GITHUB_API_URL", "http://127.0.0.1:9")  # the settings' business only
    public = GitHubConfig.for_endpoint()
    assert public is not None
    assert (public.api_url, public.graphql_url) == (
        "https://api.github.com",
        "https://api.github.com/graphql",
    )
    assert public.token.get_secret_value() == TOKEN
    assert (public.timeout_s, public.max_retries) == (30, 4)
    enterprise = GitHubConfig.for_endpoint(
        GitHubEndpoint(api_url="https://ghe.acme.example/api/v3")
    )
    assert enterprise is not None
    assert enterprise.graphql_url == "https://ghe.acme.example/api/graphql"
    assert TOKEN not in repr(enterprise) and TOKEN not in str(enterprise.model_dump())
    with pytest.raises(ValueError, match="no GitHub token"):
        GitHubConfig(token=SecretStr(" "))


@pytest.mark.parametrize(
    "remote",
    [
        "https://github.com/acme/core",
        "https://github.com/acme/core.git",
        "https://github.com/acme/core/",
        "https://x-access-token:abc@github.com/acme/core.git",
        "git@github.com:acme/core.git",
        "git@github.com:acme/core",
        "ssh://git@github.com/acme/core.git",
        "ssh://git@github.com:22/acme/core.git",
        "  git@GitHub.com:acme/core.git\n",
    ],
)
def test_parse_repo(remote: str) -> None:
    assert parse_repo(remote) == ("acme", "core")


@pytest.mark.parametrize(
    "remote",
    [
        "https://gitlab.com/acme/core.git",
        "https://github.com/acme/core/tree/main",
        "https://user:hunter2@github.com/acme",
        "git@github.com:acme.git",
        "/srv/git/core.git",
        "",
    ],
)
def test_parse_repo_rejects_other_remotes(remote: str) -> None:
    with pytest.raises(ProviderError, match=r"not a github\.com repository remote") as caught:
        parse_repo(remote)
    assert "hunter2" not in str(caught.value)


def test_parse_repo_for_github_enterprise() -> None:
    assert parse_repo("git@ghe.acme.example:team/tool.git", host="ghe.acme.example") == (
        "team",
        "tool",
    )


def test_prefect_task_wrappers_keep_the_functions() -> None:
    assert open_pull_request_task.fn is open_pull_request
    assert check_status_task.fn is check_status
    assert open_pull_request_task.tags == {"github"}
    assert open_pull_request_task.retries == 0
