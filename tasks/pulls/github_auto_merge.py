"""GitHub auto-merge for a pull request (GraphQL `enablePullRequestAutoMerge`): GitHub merges it
once its required checks pass.

The mutation is a write, never retried blindly: after an answer whose outcome is unknown, the
pull request's auto-merge state is looked up first. GraphQL reports failures, an exhausted
rate limit included, as HTTP 200 with `errors`: those raise GitHubError (RateLimited).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

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
    read_json,
    redact,
    retrying_for,
    send_request,
    write_once,
)

MergeMethod = Literal["MERGE", "SQUASH", "REBASE"]


class AutoMerge(BaseModel):
    number: int
    merge_method: str
    enabled_at: str | None = None


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


enable_auto_merge_task = task(
    enable_auto_merge,
    name="github-enable-auto-merge",
    tags=["github"],
    retries=0,  # the function looks its write up itself
    cache_policy=NO_CACHE,
)
