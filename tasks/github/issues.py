"""Issues of many repositories per GraphQL request (aliases), and the cheap re-crawl.

A first crawl reads each repository's open issues (most recently updated first, up to
`max_issues`) with labels, reactions, comment counts, author association, dates and the pull
requests that would close them (their count, and number, state and URL of the first 10). A
repository with a `since` cursor is re-crawled in two steps:
one aliased request asks "how many issues changed since T" for up to CHECK_BATCH repositories,
then only those with changes are read again, all states (an issue closed since T lands CLOSED).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from tasks.github.graphql import RATE_LIMIT_FIELDS, GraphQLClient, alias_errors, graphql_string

FETCH_BATCH = 50
BODY_CHARS = 20_000
CHECK_BATCH = 250
ISSUE_FIELDS = """
id number title body state url createdAt updatedAt closedAt authorAssociation
labels(first: 20) { nodes { name } }
reactions { totalCount }
comments { totalCount }
closedByPullRequestsReferences(first: 10, includeClosedPrs: true) {
  totalCount nodes { number state url }
}
"""


def _repo_alias(index: int, full_name: str, inner: str) -> str:
    owner, name = full_name.split("/", 1)
    args = f"owner: {graphql_string(owner)}, name: {graphql_string(name)}"
    return f"r{index}: repository({args}) {{ {inner} }}"


def _ts(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def issue_row(full_name: str, node: dict, fetched_at: datetime) -> dict[str, Any]:
    """The `raw_github_issues` row of one issue object as GraphQL returned it."""
    linked = node.get("closedByPullRequestsReferences") or {}
    return {
        "issue_id": node["id"],
        "repo_full_name": full_name,
        "number": node["number"],
        "title": node["title"],
        # triage reads the text; a body beyond BODY_CHARS adds cost, not signal
        "body": (node.get("body") or "")[:BODY_CHARS],
        "state": node["state"],
        "labels": [label["name"] for label in (node.get("labels") or {}).get("nodes") or []],
        "reactions": (node.get("reactions") or {}).get("totalCount"),
        "comments": (node.get("comments") or {}).get("totalCount"),
        "author_association": node.get("authorAssociation"),
        "linked_pull_requests": linked.get("totalCount", 0),
        "linked_pulls": json.dumps(
            [
                {"number": pr["number"], "state": pr["state"], "url": pr["url"]}
                for pr in linked.get("nodes") or []
                if pr
            ]
        ),
        "url": node.get("url"),
        "created_at": _ts(node["createdAt"]),
        "updated_at": _ts(node["updatedAt"]),
        "closed_at": _ts(node.get("closedAt")),
        "payload": node,
        "fetched_at": fetched_at,
    }


def _issues_args(first: int, since: datetime | None, after: str | None) -> str:
    args = [f"first: {first}", "orderBy: {field: UPDATED_AT, direction: DESC}"]
    if since is None:
        args.append("states: [OPEN]")
    else:
        stamp = graphql_string(since.astimezone(UTC).isoformat())
        args.append(f"filterBy: {{since: {stamp}}}")
    if after:
        args.append(f"after: {graphql_string(after)}")
    return ", ".join(args)


def changed_since(
    client: GraphQLClient, repos: Sequence[tuple[str, datetime]], failed: Callable
) -> dict[str, int]:
    """The repositories ((full_name, since) pairs) with issues updated since their cursor, and
    how many."""
    changed: dict[str, int] = {}

    def run(chunk: Sequence[tuple[str, datetime]]) -> None:
        fields = "\n".join(
            _repo_alias(
                i,
                name,
                f"issues(filterBy: {{since: {graphql_string(since.isoformat())}}}) "
                "{ totalCount }",
            )
            for i, (name, since) in enumerate(chunk)
        )
        data = client.query(f"query Changed {{\n{RATE_LIMIT_FIELDS}\n{fields}\n}}", split=True)
        errors = alias_errors(client.last_errors)
        for i, (name, _) in enumerate(chunk):
            found = data.get(f"r{i}")
            if found is None:
                failed([name], errors.get(f"r{i}", "not found"))
            elif found["issues"]["totalCount"]:
                changed[name] = found["issues"]["totalCount"]

    client.batched(list(repos), CHECK_BATCH, run, lambda c, e: failed([n for n, _ in c], e))
    return changed


def fetch_issues(
    client: GraphQLClient,
    repos: Sequence[tuple[str, datetime | None]],
    max_issues: int,
    on_batch: Callable[[list[tuple[str, list[dict]]]], None],
    failed: Callable[[list[str], str], None],
    batch: int = FETCH_BATCH,
    sizes: dict[str, int] | None = None,
) -> None:
    """Issues of (full_name, since) pairs: open ones (at most `max_issues`) when since is None,
    else every issue updated since then (uncapped, or later changes would never be read);
    `on_batch([(full_name, rows), ...])` once per batch, with the repositories read completely
    (so a batch lands in one warehouse write). `sizes`: how many issues each repository is
    expected to have (its open issue count, or what the check found): GitHub prices a query by
    the `first` it asks, so asking no more than that saves points; an underestimate only costs
    a follow-up page."""
    limit = min(100, max(1, max_issues))
    sizes = sizes or {}

    def page(name: str, since: datetime | None) -> int:
        # A re-crawl by `since` reads every change (no cap): its cursor then moves past them.
        top = limit if since is None else 100
        return min(top, max(1, sizes.get(name, top)))

    def read(chunk: Sequence[tuple[str, datetime | None, str | None]]) -> list:
        inner = "nameWithOwner issues(%s) { pageInfo { hasNextPage endCursor } nodes { %s } }"
        fields = "\n".join(
            _repo_alias(
                i, name, inner % (_issues_args(page(name, since), since, after), ISSUE_FIELDS)
            )
            for i, (name, since, after) in enumerate(chunk)
        )
        data = client.query(f"query Issues {{\n{RATE_LIMIT_FIELDS}\n{fields}\n}}", split=True)
        return [data.get(f"r{i}") for i in range(len(chunk))], alias_errors(client.last_errors)

    def run(chunk: Sequence[tuple[str, datetime | None]]) -> None:
        state = {name: (since, None, []) for name, since in chunk}
        todo, done = list(chunk), []
        while todo:
            found, errors = read([(n, state[n][0], state[n][1]) for n, _ in todo])
            follow = []
            for i, ((name, since), repo) in enumerate(zip(todo, found, strict=True)):
                if repo is None:
                    failed([name], errors.get(f"r{i}", "not found"))
                    continue
                now = datetime.now(UTC)
                rows = state[name][2]
                rows += [issue_row(name, n, now) for n in repo["issues"]["nodes"]]
                info = repo["issues"]["pageInfo"]
                cap = max_issues if since is None else None
                if info["hasNextPage"] and (cap is None or len(rows) < cap):
                    sizes[name] = 100  # underestimated: the rest in full pages
                    state[name] = (since, info["endCursor"], rows)
                    follow.append((name, since))
                else:
                    done.append((name, rows[:cap]))
            todo = follow
        on_batch(done)

    client.batched(list(repos), batch, run, lambda c, e: failed([n for n, _ in c], e))
