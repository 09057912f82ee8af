"""A GitHub that holds repositories and issues and answers GraphQL over them: every document is
validated and executed by graphql-core against GitHub's real schema (`load_schema()`), so a
query the fake answers is one GitHub would accept.

Dict data with callables for the connection fields that take arguments: `search` (qualifiers
language:, stars:>N / >=N / a..b, pushed:>T; at most 1,000 results reachable, as on GitHub; an
ISSUE search only in the form "repo:OWNER/NAME is:issue closed:>YYYY-MM-DD", answering
issueCount from the issues' closedAt, any other issue search is refused and kept in
`invalid_queries`), `nodes(ids:)` (an unknown id: null plus a NOT_FOUND error with its path,
HTTP 200, as GitHub answers), issue `closedByPullRequestsReferences` (the issue's `linked`:
True for one open pull request, or a list of {number, state}),
`issues` (states, filterBy.since, first/after), commit `history` (since). The `rateLimit`
answer and the X-RateLimit-* headers follow GitHub's documented cost: the requests each
connection needs (first/last, multiplied by the parents'), summed, / 100, at least 1; a query
the hour's remaining points cannot pay is refused (HTTP 200, RATE_LIMITED) until `reset_at`.
`max_repositories`: a query that would return more repositories answers 502, as GitHub does for
too large a query. Requests and points are counted (`graphql_requests`, `points_used`).
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

from tests.fakes.github_paging import (  # noqa: F401  (the faults are imported from here)
    REST,
    formatted,
    graphql_rate_limited,
    iso,
    matches,
    page,
    parse_ts,
    requests_needed,
    secondary_limit,
    slow,
    truncated_json,
)
from tests.fakes.github_server import DOCS, GitHubServer, GraphQLFailure

LIMIT = 5000
ISSUE_SEARCH = re.compile(
    r"repo:(?P<repo>[^/\s]+/[^/\s]+) is:issue closed:>(?P<day>\d{4}-\d{2}-\d{2})"
)


class GitHubData(GitHubServer):
    """The fake GitHub server (REST of github_server.py) plus repositories and issues."""

    def __init__(self, token: str, schema: Any, max_repositories: int = 300) -> None:
        super().__init__(token, schema)
        self.data: dict[str, dict] = {}
        self.max_repositories = max_repositories
        self.points_used = 0
        self.rate_limited = 0  # queries refused because the hour's points were spent
        self.rest_remaining, self.rest_reset = LIMIT, int(time.time()) + 3600  # REST's own
        self.reset_at = int(time.time()) + 3600
        self._returned = 0
        self._missing: list[tuple[str, int, str]] = []  # (response key, index, id) of nodes()
        self.graphql_times: list[float] = []  # time.monotonic() of each GraphQL request

    # --- data -----------------------------------------------------------------------------

    def add_repository(
        self, full_name: str, stars: int, language: str = "Python", **extra: Any
    ) -> dict:
        now = datetime.now(UTC)
        n = len(self.data) + 1
        repo = {
            "id": f"R_{n}",
            "nameWithOwner": full_name,
            "url": f"https://github.com/{full_name}",
            "description": f"{full_name} does things",
            "createdAt": iso(now - timedelta(days=1000)),
            "pushedAt": iso(now - timedelta(days=3)),
            "updatedAt": iso(now - timedelta(days=2)),
            "stargazerCount": stars,
            "forkCount": stars // 10,
            "isArchived": False,
            "isFork": False,
            "isSecurityPolicyEnabled": n % 2 == 0,
            "language": language,
            "topics": ["cli"],
            "license": "MIT",
            "releases": 3,
            "latestRelease": iso(now - timedelta(days=30)),
            "codeowners": n % 3 == 0,
            "ci": "SUCCESS",
            "commits": [(now - timedelta(days=d), f"dev{d % 3}") for d in range(1, 6)],
            "issues": [],
        }
        repo.update(extra)
        self.data[full_name] = repo
        return repo

    def add_issues(self, full_name: str, count: int, start: int = 1, **extra: Any) -> None:
        repo, now = self.data[full_name], datetime.now(UTC)
        for number in range(start, start + count):
            repo["issues"].append(
                {
                    "id": f"I_{repo['id']}_{number}",
                    "number": number,
                    "title": f"Issue {number} of {full_name}",
                    "body": f"Steps to reproduce issue {number}.",
                    "state": "OPEN",
                    "url": f"https://github.com/{full_name}/issues/{number}",
                    "createdAt": iso(now - timedelta(days=10 + number % 50)),
                    "updatedAt": iso(now - timedelta(days=1 + number % 9)),
                    "closedAt": None,
                    "authorAssociation": "CONTRIBUTOR",
                    "labels": ["bug"] if number % 2 else ["enhancement", "help wanted"],
                    "reactions": number % 7,
                    "comments": number % 4,
                    "linked": number % 5 == 0,
                }
                | extra
            )

    def rename(self, old: str, new: str) -> None:
        """A repository renamed (or transferred): same node id, new nameWithOwner."""
        repo = self.data.pop(old)
        repo.update(nameWithOwner=new, url=f"https://github.com/{new}")
        self.data[new] = repo

    def populate(self, repositories: int, issues: int, seed: int = 7) -> None:
        """Repositories spread over six languages (stars 1,001..~200,000) and their issues."""
        rng = random.Random(seed)
        languages = ["Python", "JavaScript", "TypeScript", "Go", "Rust", "Java"]
        for i in range(repositories):
            stars = int(1001 + rng.paretovariate(1.2) * 1000) % 200_000 + 1001
            self.add_repository(f"org{i % 97}/repo{i}", stars, languages[i % len(languages)])
        names = list(self.data)
        for i, name in enumerate(names):
            share = issues // len(names) + (1 if i < issues % len(names) else 0)
            self.add_issues(name, share)

    # --- GraphQL objects ------------------------------------------------------------------

    def _repository(self, repo: dict) -> dict:
        self._returned += 1
        commits = sorted(repo["commits"], reverse=True)

        def history(info: Any, since: str | None = None, first: int | None = None, **_: Any):
            kept = [c for c in commits if since is None or c[0] >= parse_ts(since)]
            nodes = [{"author": {"email": f"{login}@x", "user": {"login": login}}}
                     for _, login in kept]  # fmt: skip
            return page(nodes, first, None)

        def issues(info: Any, states=None, filterBy=None, first=None, after=None, **_: Any):
            since = (filterBy or {}).get("since")
            kept = [
                i
                for i in sorted(repo["issues"], key=lambda i: i["updatedAt"], reverse=True)
                if (not states or i["state"] in states)
                and (since is None or parse_ts(i["updatedAt"]) >= parse_ts(since))
            ]
            return page([self._issue(i) for i in kept], first, after)

        return {
            "__typename": "Repository",
            **{k: repo[k] for k in ("id", "nameWithOwner", "url", "description", "createdAt")},
            **{k: repo[k] for k in ("pushedAt", "updatedAt", "stargazerCount", "forkCount")},
            **{k: repo[k] for k in ("isArchived", "isFork", "isSecurityPolicyEnabled")},
            "primaryLanguage": {"name": repo["language"]},
            "repositoryTopics": lambda info, **a: page(
                [{"topic": {"name": t}} for t in repo["topics"]], a.get("first"), a.get("after")
            ),
            "licenseInfo": {"spdxId": repo["license"]} if repo["license"] else None,
            "issues": issues,
            "releases": lambda info, **a: {"totalCount": repo["releases"], "nodes": []},
            "latestRelease": {"publishedAt": repo["latestRelease"]},
            "codeowners": {"errors": []} if repo["codeowners"] else None,
            "defaultBranchRef": {
                "name": "main",
                "target": {
                    "__typename": "Commit",
                    "oid": "c" * 40,
                    "statusCheckRollup": {"state": repo["ci"]} if repo["ci"] else None,
                    "history": history,
                },
            },
        }

    @staticmethod
    def _linked(issue: dict) -> list[dict]:
        linked = issue["linked"]
        if linked is True:
            linked = [{"number": 10_000 + issue["number"], "state": "OPEN"}]
        base = issue["url"].rsplit("/issues/", 1)[0]
        return [
            {"__typename": "PullRequest", "url": f"{base}/pull/{pr['number']}"} | pr
            for pr in linked or []
        ]

    def _issue(self, issue: dict) -> dict:
        linked = self._linked(issue)
        return {
            "__typename": "Issue",
            **{k: issue[k] for k in ("id", "number", "title", "state", "url", "createdAt")},
            **{k: issue[k] for k in ("updatedAt", "closedAt", "authorAssociation")},
            "body": issue.get("body") or "",
            "labels": lambda info, **a: page([{"name": n} for n in issue["labels"]], 100, None),
            "reactions": lambda info, **a: {"totalCount": issue["reactions"], "nodes": []},
            "comments": lambda info, **a: {"totalCount": issue["comments"], "nodes": []},
            "closedByPullRequestsReferences": lambda info, **a: page(
                linked, a.get("first"), a.get("after")
            ),
        }

    def _issue_search(self, query: str, first: int | None, after: str | None) -> dict:
        """The one issue search the crawl makes: issues of a repository closed after a day."""
        match = ISSUE_SEARCH.fullmatch(query)
        if match is None:
            self.invalid_queries.append((query, ["unsupported issue search in the fake"]))
            raise GraphQLFailure("INVALID", f"unsupported issue search: {query!r}")
        repo = self.data.get(match["repo"]) or {"issues": []}
        after_day = datetime.fromisoformat(match["day"]).replace(tzinfo=UTC) + timedelta(days=1)
        closed = [
            i
            for i in repo["issues"]
            if i["state"] == "CLOSED" and i["closedAt"] and parse_ts(i["closedAt"]) >= after_day
        ]
        return {"issueCount": len(closed), "repositoryCount": 0, **page([], first, after)}

    def _search(self, info: Any, query: str, type: str, first=None, after=None, **_: Any):
        if type == "ISSUE":
            return self._issue_search(query, first, after)
        if type != "REPOSITORY":
            return {"repositoryCount": 0, "issueCount": 0, "nodes": [], "pageInfo": {}}
        found = [r for r in self.data.values() if matches(r, query)]
        found.sort(key=lambda r: (-r["stargazerCount"], r["nameWithOwner"]))
        chosen = page(found[:1000], first, after)  # GitHub: 1,000 results at most per query
        chosen["nodes"] = [self._repository(r) for r in chosen["nodes"]]
        return {"repositoryCount": len(found), **chosen}

    def _repository_field(self, info: Any, owner: str, name: str, **_: Any):
        repo = self.data.get(f"{owner}/{name}")
        if repo is None:
            message = f"Could not resolve to a Repository with the name '{owner}/{name}'."
            raise GraphQLFailure("NOT_FOUND", message)
        return self._repository(repo)

    def _nodes(self, info: Any, ids: list[str]):
        by_id = {r["id"]: r for r in self.data.values()}
        key = info.path.key
        self._missing += [(key, n, i) for n, i in enumerate(ids) if i not in by_id]
        return [self._repository(by_id[i]) if i in by_id else None for i in ids]

    def _not_found(self) -> list[dict]:
        """GitHub's errors for ids `nodes` could not resolve (the data keeps a null there)."""
        return [
            {
                "type": "NOT_FOUND",
                "path": [key, index],
                "locations": [{"line": 1, "column": 1}],
                "message": f"Could not resolve to a node with the global id of '{node_id}'.",
            }
            for key, index, node_id in self._missing
        ]

    # --- execution ------------------------------------------------------------------------

    def _graphql(self, body: dict):
        from graphql import execute

        self.graphql_times.append(time.monotonic())
        document, refusal = self._checked_document(body)
        if refusal is not None:
            return refusal
        variables = body.get("variables") or {}
        cost = max(1, round(requests_needed(document, variables) / 100))
        if time.time() >= self.reset_at:  # a new hour: the budget is whole again
            self.points_used, self.reset_at = 0, int(time.time()) + 3600
        if self.points_used + cost > LIMIT:  # spent: refused as GitHub does (200, RATE_LIMITED)
            self.rate_limited += 1
            message = "API rate limit exceeded for user ID 1."
            refusal = {"data": None, "errors": [{"type": "RATE_LIMITED", "message": message}]}
            headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(self.reset_at)}
            return 200, refusal, headers
        self.points_used += cost
        used = min(LIMIT, self.points_used)
        rate = {
            "cost": cost,
            "limit": LIMIT,
            "used": used,
            "remaining": LIMIT - used,
            "resetAt": iso(datetime.fromtimestamp(self.reset_at, UTC)),
            "nodeCount": 0,
        }
        root = {
            "search": self._search,
            "repository": self._repository_field,
            "nodes": self._nodes,
            "rateLimit": lambda info, **a: rate,
        }
        self._returned, self._missing = 0, []
        result = execute(self.schema, document, root, variable_values=variables)
        if self._returned > self.max_repositories:
            return 502, {"message": "Server Error"}, {}
        answer: dict[str, Any] = {"data": result.data}
        errors = [formatted(e) for e in result.errors or []] + self._not_found()
        if errors:
            answer["errors"] = errors
        headers = {
            "X-RateLimit-Limit": str(LIMIT),
            "X-RateLimit-Remaining": str(LIMIT - used),
            "X-RateLimit-Used": str(used),
            "X-RateLimit-Reset": str(self.reset_at),
            "X-RateLimit-Resource": "graphql",
        }
        return 200, answer, headers

    # --- REST: one repository and its issue list, with ETag / Last-Modified and Link pages ---

    def _route(self, method: str, path: str) -> tuple[str, dict[str, str]]:
        for route, pattern in REST:
            match = pattern.match(path)
            if method == "GET" and match and match["owner"] + "/" + match["repo"] in self.data:
                return route, match.groupdict()
        return super()._route(method, path)

    def _serve(self, route: str, args: dict[str, str], seen: Any):
        if route not in ("GET /repo", "GET /issues", "GET /data-issue"):
            return super()._serve(route, args, seen)
        repo = self.data[f"{args['owner']}/{args['repo']}"]
        headers: dict[str, str] = {}
        if route == "GET /repo":
            body = {
                "id": int(repo["id"].split("_")[1]),
                "node_id": repo["id"],
                "full_name": repo["nameWithOwner"],
                "stargazers_count": repo["stargazerCount"],
                "updated_at": repo["updatedAt"],
            }
        elif route == "GET /data-issue":
            found = [i for i in repo["issues"] if i["number"] == int(args["number"])]
            if not found:
                return 404, {"message": "Not Found", "documentation_url": DOCS}, {}
            body = {"number": found[0]["number"], "title": found[0]["title"], "body": "Steps"}
        else:
            query = {k: v[-1] for k, v in seen.query.items()}
            size, number = int(query.get("per_page", 30)), int(query.get("page", 1))
            issues = sorted(repo["issues"], key=lambda i: i["number"])
            body = [
                {"number": i["number"], "title": i["title"], "state": i["state"].lower()}
                for i in issues[(number - 1) * size : number * size]
            ]
            if number * size < len(issues):
                next_url = f"{self.base_url}{seen.path}?per_page={size}&page={number + 1}"
                headers["Link"] = f'<{next_url}>; rel="next"'
        etag = 'W/"' + hashlib.sha1(json.dumps(body).encode()).hexdigest() + '"'
        modified = format_datetime(parse_ts(repo["updatedAt"]), usegmt=True)
        headers |= {"ETag": etag, "Last-Modified": modified}
        given = {k.lower(): v for k, v in seen.headers.items()}
        if given.get("if-none-match") == etag:
            return 304, "", headers | self._rest_budget()  # a 304 costs no primary rate limit
        if time.time() >= self.rest_reset:
            self.rest_remaining, self.rest_reset = LIMIT, int(time.time()) + 3600
        if self.rest_remaining <= 0:  # spent: GitHub's primary-limit refusal
            self.rate_limited += 1
            body = {"message": "API rate limit exceeded for user ID 1.", "documentation_url": DOCS}
            return 403, body, self._rest_budget()
        self.rest_remaining -= 1
        return 200, body, headers | self._rest_budget()

    def _rest_budget(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(LIMIT),
            "X-RateLimit-Remaining": str(self.rest_remaining),
            "X-RateLimit-Reset": str(self.rest_reset),
            "X-RateLimit-Resource": "core",
        }

    @property
    def graphql_requests(self) -> int:
        return len(self.seen("POST /graphql"))
