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

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Literal
from urllib.parse import quote, urlsplit

import httpx
from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel

from tasks.github.http import (
    GitHubConfig,
    GitHubError,
    RateLimited,
    Retryable,
    client_for,
    ensure_ok,
    gave_up,
    http_get,
    read_json,
    redact,
    repo_url,
    retrying_for,
    send_request,
    write_once,
)
from tasks.pulls.provider import ProviderError

MergeMethod = Literal["MERGE", "SQUASH", "REBASE"]
PASSED = frozenset({"success", "neutral", "skipped"})


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
    pulls, what = f"{repo_url(config, owner, repo)}/pulls", f"pull request {owner}/{repo} {head}"
    with client_for(config) as client:

        def lookup() -> PullRequest | None:
            params = {"head": head, "state": "open"}
            response = http_get(client, config, pulls, f"lookup of {what}", params=params)

            def read(found: list) -> PullRequest | None:
                matches = [_pull(p) for p in found if p["base"]["ref"] == base_branch]
                return matches[0] if matches else None

            return read_json(response, config, what, read)

        def send() -> PullRequest:
            payload = {"title": title, "head": head_branch, "base": base_branch, "body": body}
            response = send_request(client, config, "POST", pulls, json=payload | {"draft": draft})
            if response.status_code == 422 and "already exists" in response.text:
                existing = lookup()  # opened meanwhile, by us (a lost answer) or another worker
                if existing is None:
                    message = f"GitHub says {what} already exists, but none into {base_branch}"
                    raise GitHubError(message, 422)
                return existing
            return read_json(ensure_ok(response, config, f"opening {what}"), config, what, _pull)

        return lookup() or write_once(config, f"opening {what}", send, lookup)


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
    url = f"{repo_url(config, owner, repo)}/pulls/{number}/requested_reviewers"
    what = f"review request on {owner}/{repo}#{number}"

    def read(d) -> ReviewRequest:
        names = [u["login"] for u in d.get("users", d.get("requested_reviewers", []))]
        slugs = [t["slug"] for t in d.get("teams", d.get("requested_teams", []))]
        return ReviewRequest(reviewers=names, team_reviewers=slugs)

    with client_for(config) as client:

        def lookup() -> ReviewRequest | None:
            now = read_json(http_get(client, config, url, f"lookup of {what}"), config, what, read)
            have = {n.lower() for n in now.reviewers}, {s.lower() for s in now.team_reviewers}
            wanted = {n.lower() for n in users}, {s.lower() for s in teams}
            return now if wanted[0] <= have[0] and wanted[1] <= have[1] else None

        def send() -> ReviewRequest:
            payload = {"reviewers": users, "team_reviewers": teams}
            response = ensure_ok(
                send_request(client, config, "POST", url, json=payload), config, what
            )
            return read_json(response, config, what, read)

        return write_once(config, what, send, lookup)


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
    response = ensure_ok(
        send_request(client, config, "POST", config.graphql_url, json=payload), config, what
    )
    body = read_json(
        response, config, what, lambda d: {"data": d.get("data"), "errors": d.get("errors")}
    )
    errors = body["errors"] or []
    if errors:
        messages = "; ".join(str(e.get("message", e)) for e in errors if isinstance(e, dict))
        detail = redact(messages or str(errors), config)
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
    with client_for(config) as client:

        def lookup() -> AutoMerge | None:
            retrying, variables = retrying_for(config, what), {"id": pr_node_id}
            try:
                data = retrying(_graphql, client, config, AUTO_MERGE_STATE, variables, what)
            except (Retryable, httpx.HTTPError) as error:
                raise gave_up(f"lookup of {what}", error, config, retrying) from None
            return _auto_merge(data.get("node"))

        def send() -> AutoMerge:
            variables = {"pullRequestId": pr_node_id, "mergeMethod": method}
            data = _graphql(client, config, ENABLE_AUTO_MERGE, variables, what)
            done = _auto_merge((data.get("enablePullRequestAutoMerge") or {}).get("pullRequest"))
            if done is None:
                raise GitHubError(f"GitHub {what}: the answer shows no auto-merge request")
            return done

        return write_once(config, what, send, lookup)


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
    url: str | None = f"{repo_url(config, owner, repo)}/commits/{quote(sha, safe='')}/check-runs"
    params: dict | None = {"per_page": 100}
    what, runs, seen = f"check runs of {owner}/{repo}@{sha}", [], set()
    with client_for(config) as client:
        while url:
            if (
                _origin(url) != _origin(config.api_url) or url in seen
            ):  # never send the token elsewhere, or loop
                raise GitHubError(f"GitHub {what}: refusing to follow the next-page link {url}")
            seen.add(url)
            response = http_get(client, config, url, what, params=params)
            runs += read_json(response, config, what, lambda d: list(d["check_runs"]))
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
