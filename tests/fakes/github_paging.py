"""The pieces of the data fake that are not the server: GitHub's paging and cursors, search
qualifiers, the documented rate-limit cost of a query, and the faults the tests inject."""

from __future__ import annotations

import base64
import math
import re
import time
from datetime import UTC, datetime
from typing import Any

from tests.fakes.github_server import DOCS, Fault, GraphQLFailure


def iso(at: datetime) -> str:
    return at.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def parse_ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _cursor(offset: int) -> str:
    return base64.b64encode(f"cursor:{offset}".encode()).decode()


def _offset(cursor: str | None) -> int:
    return int(base64.b64decode(cursor).decode().split(":")[1]) if cursor else 0


def page(items: list, first: int | None, after: str | None) -> dict:
    start = _offset(after)
    size = 100 if first is None else first
    chosen = items[start : start + size]
    end = start + len(chosen)
    info = {"hasNextPage": end < len(items), "endCursor": _cursor(end) if chosen else None}
    return {"totalCount": len(items), "nodes": chosen, "pageInfo": info}


def graphql_rate_limited(reset_in_s: float) -> Fault:
    """GraphQL's primary exhaustion: HTTP 200, a RATE_LIMITED error, Remaining 0 and Reset."""
    reset = str(math.ceil(time.time() + reset_in_s))
    body = {
        "data": None,
        "errors": [{"type": "RATE_LIMITED", "message": "API rate limit exceeded for user ID 1."}],
    }
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}
    return Fault(status=200, body=body, headers=headers)


def truncated_json() -> Fault:
    return Fault(status=200, body='{"data": {"search": {"repositoryCount": 12, "no')


def slow(delay_s: float) -> Fault:
    return Fault(status=None, delay_s=delay_s)


def secondary_limit(seconds: int = 1, status: int = 403) -> Fault:
    message = "You have exceeded a secondary rate limit. Please wait a few minutes."
    return Fault(status=status, body={"message": message, "documentation_url": DOCS},
                 retry_after_s=seconds)  # fmt: skip


def formatted(error: Any) -> dict:
    formatted = dict(error.formatted)
    if isinstance(error.original_error, GraphQLFailure):
        formatted["type"] = error.original_error.kind
    return formatted


REST_BASE = r"^/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)"
REST = [
    ("GET /repo", re.compile(REST_BASE + "$")),
    ("GET /issues", re.compile(REST_BASE + "/issues$")),
    ("GET /data-issue", re.compile(REST_BASE + r"/issues/(?P<number>\d+)$")),
]
_STARS = re.compile(r"stars:(>=|>|<=|<)?(\d+)(?:\.\.(\d+))?")


def matches(repo: dict, query: str) -> bool:
    language = re.search(r"language:(\S+)", query)
    if language and language[1].lower() != repo["language"].lower():
        return False
    stars = _STARS.search(query)
    if stars:
        op, low, high, value = stars[1], int(stars[2]), stars[3], repo["stargazerCount"]
        ok = {
            ">=": value >= low,
            ">": value > low,
            "<=": value <= low,
            "<": value < low,
            None: (low <= value <= int(high)) if high else value == low,
        }[op]
        if not ok:
            return False
    created = re.search(r"created:(\S+)\.\.(\S+)", query)
    if created and not (
        parse_ts(created[1]) <= parse_ts(repo["createdAt"]) <= parse_ts(created[2])
    ):
        return False
    created_from = re.search(r"created:>=(\S+)", query)
    if created_from and parse_ts(repo["createdAt"]) < parse_ts(created_from[1]):
        return False
    pushed = re.search(r"pushed:>(\S+)", query)
    return not (pushed and parse_ts(repo["pushedAt"]) <= parse_ts(pushed[1]))


def requests_needed(document: Any, variables: dict) -> int:
    """GitHub's documented count: each connection needs one request per parent object."""
    from graphql.language import FieldNode, InlineFragmentNode, VariableNode

    def arg(node: Any, name: str) -> int | None:
        for argument in node.arguments or ():
            if argument.name.value == name:
                value = argument.value
                if isinstance(value, VariableNode):
                    raw = variables.get(value.name.value)
                    return None if raw is None else int(raw)
                return int(value.value)
        return None

    def walk(selections: Any, parents: int) -> int:
        total = 0
        for node in selections or ():
            if isinstance(node, InlineFragmentNode):
                total += walk(node.selection_set.selections, parents)
            elif isinstance(node, FieldNode) and node.selection_set:
                size = arg(node, "first") or arg(node, "last")
                total += parents if size else 0
                total += walk(node.selection_set.selections, parents * (size or 1))
        return total

    return sum(walk(d.selection_set.selections, 1) for d in document.definitions)
