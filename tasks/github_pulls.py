"""The `github` pull-request provider: REST and GraphQL over httpx.

Writes are never retried blindly (DESIGN.md, Reliability rules). Opening a pull request first
looks for an open one on the same head branch; after an answer whose outcome is unknown (5xx, a
timeout, a dropped connection) or a rate limit, every write looks its result up again before it
is repeated. Reads retry with exponential backoff and full jitter, honouring `Retry-After` and
the primary rate limit's reset time (both capped). GraphQL reports failures, an exhausted rate
limit included, as HTTP 200 with `errors`: those raise ProviderError. The token is a SecretStr,
sent only in the Authorization header: never in a repr, a log record or an error, even when a
server echoes it back.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Literal, TypeVar
from urllib.parse import quote, urlsplit

import httpx
from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_random_exponential,
)

from tasks.pulls import ProviderError

logger = logging.getLogger("globallm.github")

DEFAULT_API_URL = "https://api.github.com"
API_VERSION = "2022-11-28"
USER_AGENT = "globallm/0.1 (httpx)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MergeMethod = Literal["MERGE", "SQUASH", "REBASE"]
PASSED = frozenset({"success", "neutral", "skipped"})
_EXCERPT_CHARS = 300
T = TypeVar("T")


class GitHubError(ProviderError):
    """GitHub refused or failed; `status` is the last HTTP status, if there was one."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class RateLimited(GitHubError):
    """GraphQL's rate limit is exhausted (reported as HTTP 200 with a RATE_LIMITED error)."""


def graphql_url_for(api_url: str) -> str:
    """GitHub's GraphQL endpoint beside a REST root (GitHub Enterprise: /api/v3 -> /api/graphql)."""
    api = api_url.rstrip("/")
    return api.removesuffix("/v3") + "/graphql" if api.endswith("/api/v3") else api + "/graphql"


class GitHubConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    api_url: str = Field(
        default_factory=lambda: os.environ.get("GITHUB_API_URL") or DEFAULT_API_URL
    )
    graphql_url: str = Field(
        default_factory=lambda data: (
            os.environ.get("GITHUB_GRAPHQL_URL")
            or graphql_url_for(data.get("api_url", DEFAULT_API_URL))
        )
    )
    token: SecretStr = Field(
        default_factory=lambda: SecretStr(os.environ.get("GITHUB_TOKEN", "")), validate_default=True
    )
    timeout_s: float = 30.0
    max_retries: int = 4  # retries after the first attempt
    backoff_s: float = 1.0  # exponential backoff base (full jitter), capped at max_backoff_s
    max_backoff_s: float = 30.0
    retry_after_cap_s: float = 60.0  # Retry-After and rate-limit resets are honoured up to this

    @field_validator("token")
    @classmethod
    def _token_given(cls, token: SecretStr) -> SecretStr:
        if not token.get_secret_value().strip():
            raise ValueError("no GitHub token: set GITHUB_TOKEN")
        return SecretStr(token.get_secret_value().strip())

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> GitHubConfig | None:
        """From GITHUB_TOKEN, GITHUB_API_URL and GITHUB_GRAPHQL_URL; None without a token."""
        env = os.environ if environ is None else environ
        token = env.get("GITHUB_TOKEN", "").strip()
        if not token:
            return None
        api_url = env.get("GITHUB_API_URL", "").strip() or DEFAULT_API_URL
        graphql_url = env.get("GITHUB_GRAPHQL_URL", "").strip() or graphql_url_for(api_url)
        return cls(api_url=api_url, graphql_url=graphql_url, token=SecretStr(token))


class PullRequest(BaseModel):
    number: int
    url: str  # html_url
    node_id: str
    state: str
    head_sha: str


class ReviewRequest(BaseModel):
    reviewers: list[str] = []
    team_reviewers: list[str] = []


class AutoMerge(BaseModel):
    number: int
    merge_method: str
    enabled_at: str | None = None


class ChecksSummary(BaseModel):
    total: int
    passed: int
    failed: int
    pending: int
    conclusion: str  # success | failure | pending | none (no check runs)


class _Retryable(Exception):
    """Worth another try: a rate limit (with the wait it asks for) or a 5xx."""

    def __init__(self, message: str, status: int, wait_s: float | None) -> None:
        super().__init__(message)
        self.status, self.wait_s = status, wait_s


def _redact(text: str, config: GitHubConfig) -> str:
    return text.replace(config.token.get_secret_value(), "[redacted]")


def _excerpt(response: httpx.Response, config: GitHubConfig) -> str:
    text = " ".join(response.text.split())
    text = text[:_EXCERPT_CHARS] + "..." if len(text) > _EXCERPT_CHARS else text
    return _redact(text, config) or "(empty body)"


def _rate_limit_wait(response: httpx.Response, config: GitHubConfig) -> float | None:
    """Seconds to wait that the answer asks for: Retry-After, or until the rate limit resets."""
    headers, cap = response.headers, config.retry_after_cap_s
    value = headers.get("retry-after", "").strip()
    if value:
        try:
            return min(max(0.0, float(value)), cap)
        except ValueError:
            try:
                return min(
                    max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds()),
                    cap,
                )
            except (TypeError, ValueError):
                pass
    if (
        headers.get("x-ratelimit-remaining") == "0"
        and headers.get("x-ratelimit-reset", "").isdigit()
    ):
        return min(max(0.0, int(headers["x-ratelimit-reset"]) - time.time()) + 0.1, cap)
    if response.status_code == 403 and "secondary rate limit" in response.text.lower():
        return min(60.0, cap)  # GitHub: wait at least a minute
    return None


def _send(
    client: httpx.Client, config: GitHubConfig, method: str, url: str, **kw
) -> httpx.Response:
    """One request; raises _Retryable for 429, 5xx and a rate-limited 403."""
    response = client.request(method, url, **kw)
    status, wait_s = response.status_code, _rate_limit_wait(response, config)
    if status in RETRY_STATUSES or (status == 403 and wait_s is not None):
        raise _Retryable(f"HTTP {status}: {_excerpt(response, config)}", status, wait_s)
    return response


def _ok(response: httpx.Response, config: GitHubConfig, what: str) -> httpx.Response:
    if not response.is_success:
        status = response.status_code
        message = f"GitHub {what} failed: HTTP {status}: {_excerpt(response, config)}"
        raise GitHubError(message, status)
    return response


def _describe(error: BaseException | None, config: GitHubConfig) -> str:
    if isinstance(error, httpx.TimeoutException):
        return f"timed out after {config.timeout_s}s"
    if isinstance(error, _Retryable):
        return str(error)
    return _redact(f"{type(error).__name__}: {error}", config)


def _retrying(config: GitHubConfig, what: str) -> Retrying:
    backoff = wait_random_exponential(multiplier=config.backoff_s, max=config.max_backoff_s)

    def wait(state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        hint = error.wait_s if isinstance(error, _Retryable) else None
        delay = backoff(state) if hint is None else hint
        message = "GitHub %s failed (%s); retry %d of %d in %.2fs"
        detail = _describe(error, config)
        logger.warning(message, what, detail, state.attempt_number, config.max_retries, delay)
        return delay

    retryable = (_Retryable, httpx.TimeoutException, httpx.TransportError)
    return Retrying(
        retry=retry_if_exception(lambda error: isinstance(error, retryable)),
        stop=stop_after_attempt(config.max_retries + 1),
        wait=wait,
        reraise=True,
    )


def _gave_up(what: str, error: BaseException, config: GitHubConfig, retrying: Retrying):
    attempts = retrying.statistics.get("attempt_number", config.max_retries + 1)
    status = error.status if isinstance(error, _Retryable) else None
    detail = _describe(error, config)
    return GitHubError(f"GitHub {what} failed after {attempts} attempt(s): {detail}", status)


def _client(config: GitHubConfig) -> httpx.Client:
    headers = {
        "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": API_VERSION,
        "User-Agent": USER_AGENT,
        "Authorization": f"Bearer {config.token.get_secret_value()}",
    }
    return httpx.Client(timeout=config.timeout_s, headers=headers, follow_redirects=False)


def _get(client: httpx.Client, config: GitHubConfig, url: str, what: str, **kw) -> httpx.Response:
    """A read: retried with backoff and jitter, Retry-After and rate-limit resets honoured."""
    retrying = _retrying(config, what)
    try:
        response = retrying(_send, client, config, "GET", url, **kw)
    except (_Retryable, httpx.HTTPError) as error:
        raise _gave_up(what, error, config, retrying) from None
    return _ok(response, config, what)


def _write(config: GitHubConfig, what: str, send: Callable[[], T], lookup: Callable[[], T | None]):
    """Send a write; after an unknown outcome or a rate limit, look the result up before
    sending it again (the first attempt may have succeeded)."""
    retrying = _retrying(config, what)
    try:
        for attempt in retrying:
            with attempt:
                if attempt.retry_state.attempt_number > 1:
                    found = lookup()
                    if found is not None:
                        logger.info("GitHub %s: an earlier attempt had succeeded", what)
                        return found
                return send()
    except (_Retryable, httpx.HTTPError) as error:
        raise _gave_up(what, error, config, retrying) from None
    raise AssertionError("unreachable: tenacity either returns or raises")


def _repo_url(config: GitHubConfig, owner: str, repo: str) -> str:
    return f"{config.api_url.rstrip('/')}/repos/{quote(owner, safe='')}/{quote(repo, safe='')}"


def _json(response: httpx.Response, config: GitHubConfig, what: str, read: Callable[[object], T]):
    try:
        return read(response.json())
    except (ValueError, TypeError, LookupError, AttributeError) as error:
        excerpt = _excerpt(response, config)
        raise GitHubError(f"GitHub {what}: unexpected answer ({error!r}): {excerpt}") from None


def _pull(data) -> PullRequest:
    return PullRequest(
        number=data["number"],
        url=data["html_url"],
        node_id=data["node_id"],
        state=data["state"],
        head_sha=data["head"]["sha"],
    )


def open_pull_request(
    config: GitHubConfig,
    owner: str,
    repo: str,
    head_branch: str,
    base_branch: str,
    title: str,
    body: str,
    draft: bool = False,
) -> PullRequest:
    """The open pull request from head_branch into base_branch, opened if there is none yet."""
    head = head_branch if ":" in head_branch else f"{owner}:{head_branch}"
    pulls, what = f"{_repo_url(config, owner, repo)}/pulls", f"pull request {owner}/{repo} {head}"
    with _client(config) as client:

        def lookup() -> PullRequest | None:
            params = {"head": head, "state": "open"}
            response = _get(client, config, pulls, f"lookup of {what}", params=params)

            def read(found: list) -> PullRequest | None:
                matches = [_pull(p) for p in found if p["base"]["ref"] == base_branch]
                return matches[0] if matches else None

            return _json(response, config, what, read)

        def send() -> PullRequest:
            payload = {"title": title, "head": head_branch, "base": base_branch, "body": body}
            response = _send(client, config, "POST", pulls, json=payload | {"draft": draft})
            if response.status_code == 422 and "already exists" in response.text:
                existing = lookup()  # opened meanwhile, by us (a lost answer) or another worker
                if existing is None:
                    message = f"GitHub says {what} already exists, but none into {base_branch}"
                    raise GitHubError(message, 422)
                return existing
            return _json(_ok(response, config, f"opening {what}"), config, what, _pull)

        return lookup() or _write(config, f"opening {what}", send, lookup)


def reviewers_from_owners(owners: str | Iterable[str]) -> tuple[list[str], list[str]]:
    """(users, team slugs) from CODEOWNERS owners: `@user`, `@org/team`; emails are skipped."""
    words = owners.split() if isinstance(owners, str) else [w for o in owners for w in o.split()]
    users, teams = [], []
    for word in words:
        if word.startswith("@"):  # not an email address, nor owner_of's "unowned"
            name = word[1:]
            (teams if "/" in name else users).append(name.split("/", 1)[-1])
    return _unique(users), _unique(teams)


def _unique(names: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    for name in names:
        name = name.strip().removeprefix("@").split("/", 1)[-1]
        if name:
            seen.setdefault(name.lower(), name)
    return list(seen.values())


def request_reviewers(
    config: GitHubConfig,
    owner: str,
    repo: str,
    number: int,
    reviewers: list[str],
    team_reviewers: list[str],
) -> ReviewRequest:
    """Ask users and teams (slugs) to review; what GitHub then lists as requested."""
    users, teams = _unique(reviewers), _unique(team_reviewers)
    if not users and not teams:
        return ReviewRequest()
    url = f"{_repo_url(config, owner, repo)}/pulls/{number}/requested_reviewers"
    what = f"review request on {owner}/{repo}#{number}"

    def read(d) -> ReviewRequest:
        names = [u["login"] for u in d.get("users", d.get("requested_reviewers", []))]
        slugs = [t["slug"] for t in d.get("teams", d.get("requested_teams", []))]
        return ReviewRequest(reviewers=names, team_reviewers=slugs)

    with _client(config) as client:

        def lookup() -> ReviewRequest | None:
            now = _json(_get(client, config, url, f"lookup of {what}"), config, what, read)
            have = {n.lower() for n in now.reviewers}, {s.lower() for s in now.team_reviewers}
            wanted = {n.lower() for n in users}, {s.lower() for s in teams}
            return now if wanted[0] <= have[0] and wanted[1] <= have[1] else None

        def send() -> ReviewRequest:
            payload = {"reviewers": users, "team_reviewers": teams}
            response = _ok(_send(client, config, "POST", url, json=payload), config, what)
            return _json(response, config, what, read)

        return _write(config, what, send, lookup)


AUTO_MERGE_FIELDS = "number autoMergeRequest { enabledAt mergeMethod }"
ENABLE_AUTO_MERGE = (
    "mutation EnableAutoMerge($pullRequestId: ID!, $mergeMethod: PullRequestMergeMethod!) {\n"
    "  enablePullRequestAutoMerge(\n"
    "    input: {pullRequestId: $pullRequestId, mergeMethod: $mergeMethod}\n"
    f"  ) {{ pullRequest {{ {AUTO_MERGE_FIELDS} }} }}\n}}"
)
AUTO_MERGE_STATE = (
    "query AutoMergeState($id: ID!) {\n"
    f"  node(id: $id) {{ ... on PullRequest {{ {AUTO_MERGE_FIELDS} }} }}\n}}"
)


def _graphql(client: httpx.Client, config: GitHubConfig, query: str, variables: dict, what: str):
    """One GraphQL request: its `data`, or GitHubError for `errors` in a 200 answer."""
    payload = {"query": query, "variables": variables}
    response = _ok(_send(client, config, "POST", config.graphql_url, json=payload), config, what)
    body = _json(
        response, config, what, lambda d: {"data": d.get("data"), "errors": d.get("errors")}
    )
    errors = body["errors"] or []
    if errors:
        messages = "; ".join(str(e.get("message", e)) for e in errors if isinstance(e, dict))
        detail = _redact(messages or str(errors), config)
        if any(isinstance(e, dict) and e.get("type") == "RATE_LIMITED" for e in errors):
            reset = response.headers.get("x-ratelimit-reset", "")
            when = datetime.fromtimestamp(int(reset), UTC).isoformat() if reset.isdigit() else "?"
            message = f"GitHub GraphQL rate limit exhausted during {what} (resets {when}): {detail}"
            raise RateLimited(message, 200)
        raise GitHubError(f"GitHub {what} failed: {detail}", 200)
    return body["data"] or {}


def _auto_merge(pull) -> AutoMerge | None:
    state = (pull or {}).get("autoMergeRequest")
    if not state:
        return None
    return AutoMerge(
        number=pull["number"], merge_method=state["mergeMethod"], enabled_at=state.get("enabledAt")
    )


def enable_auto_merge(
    config: GitHubConfig, pr_node_id: str, merge_method: MergeMethod = "MERGE"
) -> AutoMerge:
    """Turn on auto-merge (GraphQL enablePullRequestAutoMerge) for a pull request's node id."""
    method = merge_method.upper()
    if method not in ("MERGE", "SQUASH", "REBASE"):
        raise ValueError(f"merge_method must be MERGE, SQUASH or REBASE, not {merge_method!r}")
    what = f"enabling auto-merge on {pr_node_id}"
    with _client(config) as client:

        def lookup() -> AutoMerge | None:
            retrying, variables = _retrying(config, what), {"id": pr_node_id}
            try:
                data = retrying(_graphql, client, config, AUTO_MERGE_STATE, variables, what)
            except (_Retryable, httpx.HTTPError) as error:
                raise _gave_up(f"lookup of {what}", error, config, retrying) from None
            return _auto_merge(data.get("node"))

        def send() -> AutoMerge:
            variables = {"pullRequestId": pr_node_id, "mergeMethod": method}
            data = _graphql(client, config, ENABLE_AUTO_MERGE, variables, what)
            done = _auto_merge((data.get("enablePullRequestAutoMerge") or {}).get("pullRequest"))
            if done is None:
                raise GitHubError(f"GitHub {what}: the answer shows no auto-merge request")
            return done

        return _write(config, what, send, lookup)


def summarize_checks(runs: Iterable[Mapping]) -> ChecksSummary:
    """Count check runs: passed (success, neutral, skipped), failed (any other conclusion of a
    completed run), pending (not completed yet)."""
    total = passed = failed = pending = 0
    for run in runs:
        total += 1
        if run.get("status") != "completed":
            pending += 1
        elif run.get("conclusion") in PASSED:
            passed += 1
        else:
            failed += 1
    conclusion = "failure" if failed else "pending" if pending else "success" if total else "none"
    return ChecksSummary(
        total=total, passed=passed, failed=failed, pending=pending, conclusion=conclusion
    )


def check_status(config: GitHubConfig, owner: str, repo: str, sha: str) -> ChecksSummary:
    """Summarise the check runs of a commit, following `Link: rel="next"` across pages."""
    url: str | None = f"{_repo_url(config, owner, repo)}/commits/{quote(sha, safe='')}/check-runs"
    params: dict | None = {"per_page": 100}
    what, runs, seen = f"check runs of {owner}/{repo}@{sha}", [], set()
    with _client(config) as client:
        while url:
            if (
                _origin(url) != _origin(config.api_url) or url in seen
            ):  # never send the token elsewhere, or loop
                raise GitHubError(f"GitHub {what}: refusing to follow the next-page link {url}")
            seen.add(url)
            response = _get(client, config, url, what, params=params)
            runs += _json(response, config, what, lambda d: list(d["check_runs"]))
            url, params = response.links.get("next", {}).get("url"), None
    return summarize_checks(runs)


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
_SCP = re.compile(r"^(?:[^@/]+@)?(?P<host>[^:/]+):(?P<path>[^/].*)$")


def parse_repo(remote_url: str, host: str = "github.com") -> tuple[str, str]:
    """(owner, name) of a GitHub remote: https://host/o/r(.git), git@host:o/r(.git),
    ssh://git@host[:port]/o/r(.git). Raises ProviderError for anything else."""
    url = remote_url.strip()
    if "://" in url:
        parts = urlsplit(url)
        found, path = parts.hostname or "", parts.path
        shown = parts._replace(netloc=found).geturl()  # without user, password or port
        scheme_ok = parts.scheme.lower() in ("https", "http", "ssh", "git", "git+ssh")
    else:
        match = _SCP.match(url)
        found, path = (match["host"], match["path"]) if match else ("", "")
        shown, scheme_ok = url.split("@", 1)[-1], True
    names = path.strip("/").removesuffix(".git").split("/")
    if not (scheme_ok and found.lower() == host.lower() and len(names) == 2):
        raise ProviderError(f"not a {host} repository remote: {shown}")
    if not all(_NAME.match(n) for n in names):
        raise ProviderError(f"not a {host} repository remote: {shown}")
    return names[0], names[1]


# Prefect tasks: no retries here (the functions retry reads and look writes up themselves), no
# caching (a pull request's state changes); the plain functions stay callable for tests.
_options = {"tags": ["github"], "retries": 0, "cache_policy": NO_CACHE}
open_pull_request_task = task(open_pull_request, name="github-open-pull-request", **_options)
request_reviewers_task = task(request_reviewers, name="github-request-reviewers", **_options)
enable_auto_merge_task = task(enable_auto_merge, name="github-enable-auto-merge", **_options)
check_status_task = task(check_status, name="github-check-status", **_options)
