"""The `github` provider: the branch is pushed to origin, the pull request opened through
GitHub's REST API (tasks/pulls/github_api.py), auto-merge enabled through GraphQL. GitHub's own
errors (tasks/github/http.py `GitHubError`) become `ProviderError` here, at the provider's edge.
"""

from __future__ import annotations

from pathlib import Path

from prefect import task

from tasks.github.http import GitHubConfig, GitHubEndpoint, GitHubError
from tasks.local import git
from tasks.pulls.github_api import (
    open_pull_request,
    parse_repo,
    request_reviewers,
    reviewers_from_owners,
)
from tasks.pulls.github_auto_merge import enable_auto_merge
from tasks.pulls.local import publish_local
from tasks.pulls.provider import ProviderError, Publication


class GitHubPublication(Publication):
    node_id: str
    number: int


def github_repo(repo_path: Path) -> tuple[str, str]:
    """owner/name from origin's configured URL (as written, before any insteadOf rewrite)."""
    url = git.run_git(repo_path, "config", "--get", "remote.origin.url").strip()
    return parse_repo(url)  # ProviderError when origin is not a GitHub repository


def github_config(endpoint: GitHubEndpoint | None = None) -> GitHubConfig:
    """The endpoint (a value from the entrypoint) with the token, which is read here, inside
    each task that needs it, never passed as a parameter."""
    config = GitHubConfig.for_endpoint(endpoint)
    if config is None:
        raise ProviderError("the github provider needs GITHUB_TOKEN")
    return config


@task(name="publish-github", tags=["github"])
def publish_github(
    repo_path: Path,
    branch: str,
    base_branch: str,
    title: str,
    body: str,
    owners: list[str],
    endpoint: GitHubEndpoint | None = None,
) -> GitHubPublication:
    """Push the branch, open (or find) its pull request, ask CODEOWNERS owners to review."""
    config = github_config(endpoint)
    owner, name = github_repo(repo_path)
    publish_local.fn(repo_path, branch)
    try:
        pull = open_pull_request(config, owner, name, branch, base_branch, title, body)
        users, teams = reviewers_from_owners(owners)
        if users or teams:
            request_reviewers(config, owner, name, pull.number, users, teams)
    except GitHubError as error:
        raise ProviderError(str(error)) from error
    return GitHubPublication(
        provider="github", url=pull.url, node_id=pull.node_id, number=pull.number
    )


@task(name="auto-merge-github", tags=["github"])
def auto_merge_github(node_id: str, endpoint: GitHubEndpoint | None = None) -> str:
    """Ask GitHub to merge when the required checks pass; the merge itself happens there."""
    try:
        done = enable_auto_merge(github_config(endpoint), node_id)
    except GitHubError as error:
        raise ProviderError(str(error)) from error
    return f"auto-merge ({done.merge_method}) enabled"
