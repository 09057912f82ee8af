"""The `github` pull-request provider's REST side: pull requests and review requests over httpx
(auto-merge: github_auto_merge.py; check runs: github_checks.py).

Writes are never retried blindly (DESIGN.md, Reliability rules). Opening a pull request first
looks for an open one on the same head branch; after an answer whose outcome is unknown (5xx, a
timeout, a dropped connection) or a rate limit, every write looks its result up again before it
is repeated. Reads retry with exponential backoff and full jitter, honouring `Retry-After` and
the primary rate limit's reset time (both capped). The token is a SecretStr,
sent only in the Authorization header: never in a repr, a log record or an error, even when a
server echoes it back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel

from tasks.github.http import (
    GitHubConfig,
    GitHubError,
    client_for,
    ensure_ok,
    http_get,
    read_json,
    repo_url,
    send_request,
    write_once,
)
from tasks.pulls.provider import ProviderError


class PullRequest(BaseModel):
    number: int
    url: str  # html_url
    node_id: str
    state: str
    head_sha: str


class ReviewRequest(BaseModel):
    reviewers: list[str] = []
    team_reviewers: list[str] = []


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
