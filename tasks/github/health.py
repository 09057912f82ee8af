"""Health signals of GitHub repositories: the GraphQL fields every repository query asks for
(discovery's search asks for them too, so a new repository's health costs nothing extra), the
typed row for `raw_github_repositories`, and a refresh of known repositories 100 per request
through `nodes(ids:)`.

"Issues closed in the last 90 days" is exact: the issues connection has no closed-since
filter, so each repository gets an aliased issue search
(`search(type: ISSUE, query: "repo:OWNER/NAME is:issue closed:>DATE", first: 1) { issueCount }`,
DATE the day 90 days ago) in the same request as its health batch (one request per 100
repositories still; each search costs GitHub's rate limit as one connection, so about one
more point per 100). Discovery's search cannot name repositories it has not found yet, so each
discovery asks afterwards, 100 a request (`fetch_closed`), the counts of what it found and of
every stored repository still without one (a killed discovery's pages, a failed batch).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from tasks.github.graphql import RATE_LIMIT_FIELDS, GraphQLClient, graphql_string

# Variables: $gitSince: GitTimestamp! (90 days ago)
REPO_FIELDS = """
id nameWithOwner url description createdAt pushedAt updatedAt
stargazerCount forkCount isArchived isFork isSecurityPolicyEnabled
primaryLanguage { name }
repositoryTopics(first: 10) { nodes { topic { name } } }
licenseInfo { spdxId }
openIssues: issues(states: OPEN) { totalCount }
closedIssues: issues(states: CLOSED) { totalCount }
releases { totalCount }
latestRelease { publishedAt }
codeowners { errors { line } }
defaultBranchRef {
  name
  target {
    ... on Commit {
      oid
      statusCheckRollup { state }
      history(since: $gitSince, first: 100) {
        totalCount
        nodes { author { email user { login } } }
      }
    }
  }
}
"""
WINDOW = timedelta(days=90)
HEALTH_BATCH = 100


def closed_query(full_name: str, as_of: datetime) -> str:
    """The issue search counting `full_name`'s issues closed in the 90 days before `as_of`."""
    day = (as_of - WINDOW).astimezone(UTC).date().isoformat()
    return f"repo:{full_name} is:issue closed:>{day}"


def closed_fields(names: Sequence[str], as_of: datetime) -> str:
    """Aliased issue searches (c0, c1, ...) counting each repository's recently closed issues."""
    return "\n".join(
        f"c{i}: search(type: ISSUE, query: {graphql_string(closed_query(name, as_of))}, "
        "first: 1) "
        "{ issueCount }"
        for i, name in enumerate(names)
    )


def read_closed(data: dict, count: int) -> list[int | None]:
    """The counts `closed_fields` asked for, in order (None where GitHub gave none)."""
    return [(data.get(f"c{i}") or {}).get("issueCount") for i in range(count)]


def fetch_closed(
    client: GraphQLClient,
    names: Sequence[str],
    as_of: datetime,
    on_batch: Callable[[dict[str, int]], None],
) -> list[str]:
    """Recently closed issue counts of repositories, HEALTH_BATCH a request, each batch handed
    to `on_batch` (full_name -> count); returns the names GitHub gave no count for (left
    unknown until their next health refresh)."""
    missed: list[str] = []

    def run(chunk: Sequence[str]) -> None:
        fields = closed_fields(chunk, as_of)
        data = client.query(f"query Closed {{\n{RATE_LIMIT_FIELDS}\n{fields}\n}}", split=True)
        counts = dict(zip(chunk, read_closed(data, len(chunk)), strict=True))
        missed.extend(name for name, count in counts.items() if count is None)
        on_batch({name: count for name, count in counts.items() if count is not None})

    client.batched(list(names), HEALTH_BATCH, run, lambda chunk, _: missed.extend(chunk))
    return missed


def since_variables(as_of: datetime) -> dict[str, str]:
    since = (as_of - WINDOW).astimezone(UTC).replace(microsecond=0).isoformat()
    return {"gitSince": since}


def _ts(value: Any) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def _count(node: dict, key: str) -> int | None:
    value = node.get(key)
    return None if value is None else value.get("totalCount")


def repo_row(node: dict, fetched_at: datetime) -> dict[str, Any]:
    """The `raw_github_repositories` row of one repository object as GraphQL returned it,
    without `issues_closed_90d` (an issue search's count, added by the caller that asked it):
    a row landed without it keeps the count already stored."""
    branch = node.get("defaultBranchRef") or {}
    head = branch.get("target") or {}
    history = head.get("history") or {}
    authors = {
        (a.get("user") or {}).get("login") or a.get("email")
        for a in (c.get("author") or {} for c in history.get("nodes") or [])
    }
    authors.discard(None)
    rollup = head.get("statusCheckRollup")
    topics = (node.get("repositoryTopics") or {}).get("nodes") or []
    full_name = node["nameWithOwner"]
    return {
        "repo_id": "github:" + full_name.lower(),
        "full_name": full_name,
        "node_id": node.get("id"),
        "url": node.get("url"),
        "description": node.get("description"),
        "primary_language": (node.get("primaryLanguage") or {}).get("name"),
        "topics": [t["topic"]["name"] for t in topics],
        "stars": node.get("stargazerCount"),
        "forks": node.get("forkCount"),
        "archived": node.get("isArchived"),
        "is_fork": node.get("isFork"),
        "license": (node.get("licenseInfo") or {}).get("spdxId"),
        "default_branch": branch.get("name"),
        "created_at": _ts(node.get("createdAt")),
        "pushed_at": _ts(node.get("pushedAt")),
        "updated_at": _ts(node.get("updatedAt")),
        "open_issues": _count(node, "openIssues"),
        "closed_issues": _count(node, "closedIssues"),
        "commits_90d": history.get("totalCount"),
        "authors_90d": len(authors) if history else None,
        "releases": _count(node, "releases"),
        "latest_release_at": _ts((node.get("latestRelease") or {}).get("publishedAt")),
        "ci_state": rollup.get("state") if rollup else None,
        "has_security_policy": node.get("isSecurityPolicyEnabled"),
        "has_codeowners": node.get("codeowners") is not None,
        "payload": node,
        "fetched_at": fetched_at,
    }


def health_query(names: Sequence[str], as_of: datetime) -> str:
    """Health of repositories by node id, with each one's closed-issue search (by name)."""
    return (
        "query Health($ids: [ID!]!, $gitSince: GitTimestamp!) {\n"
        f"  {RATE_LIMIT_FIELDS}\n"
        f"  nodes(ids: $ids) {{ ... on Repository {{ {REPO_FIELDS} }} }}\n"
        f"{closed_fields(names, as_of)}\n}}"
    )


def fetch_health(
    client: GraphQLClient,
    node_ids: Sequence[tuple[str, str]],
    as_of: datetime,
    batch: int = HEALTH_BATCH,
    on_batch: Callable[[list[dict]], None] | None = None,
) -> tuple[list[dict], dict[str, str]]:
    """Rows for known repositories ((full_name, node_id) pairs), and full_name -> error for
    those GitHub could not give (gone, or a batch that failed even alone). `on_batch(rows)`
    after each request, so a refresh killed mid-way keeps what it read."""
    rows: list[dict] = []
    failures: dict[str, str] = {}
    variables = since_variables(as_of)

    def run(chunk: Sequence[tuple[str, str]]) -> None:
        document = health_query([name for name, _ in chunk], as_of)
        data = client.query(document, variables | {"ids": [i for _, i in chunk]}, split=True)
        errors = {
            (e.get("path") or [None, None])[-1]: e.get("message")
            for e in client.last_errors
            if (e.get("path") or [None])[0] == "nodes"
        }
        closed = read_closed(data, len(chunk))
        read = []
        for index, ((name, _), node) in enumerate(zip(chunk, data["nodes"], strict=False)):
            if node and node.get("nameWithOwner"):
                read.append(
                    repo_row(node, datetime.now(UTC)) | {"issues_closed_90d": closed[index]}
                )
            else:
                failures[name] = str(errors.get(index) or "not found")
        rows.extend(read)
        if on_batch is not None and read:
            on_batch(read)

    def failed(chunk: Sequence[tuple[str, str]], error: str) -> None:
        failures.update({name: error for name, _ in chunk})

    client.batched(list(node_ids), batch, run, failed)
    return rows, failures
