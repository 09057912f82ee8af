"""Pull-request providers. `local`: the branch is pushed to the repository's own remote (a bare
repository will do), the pull request is a ledger record, and auto-merge merges into the
remote's default branch.

Merging is not idempotent, so it first looks the result up: a branch already merged is reported
as merged, never merged twice.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from prefect import task
from pydantic import BaseModel

from tasks import git

if TYPE_CHECKING:
    from tasks.github_http import GitHubConfig


class ProviderError(RuntimeError):
    """The provider could not publish or merge; the message says why."""


class Publication(BaseModel):
    provider: str
    url: str


def _require_remote(repo_path: Path) -> str:
    if not git.has_remote(repo_path):
        raise ProviderError(
            f"{repo_path} has no remote 'origin': the local provider pushes branches there "
            "(use --dry-run to verify without publishing)"
        )
    return git.run_git(repo_path, "remote", "get-url", "origin").strip()


@task(name="publish-branch")
def publish_local(repo_path: Path, branch: str) -> Publication:
    """Push the branch to origin (never forced) and name the pull request by it."""
    remote = _require_remote(repo_path)
    try:
        git.push_branch(repo_path, branch)
    except git.GitError as error:
        raise ProviderError(f"push of {branch} refused: {error}") from error
    return Publication(provider="local", url=f"{remote}#{branch}")


def merged_into(repo_path: Path, commit: str, base_branch: str) -> bool:
    git.fetch(repo_path)
    try:
        git.run_git(repo_path, "merge-base", "--is-ancestor", commit, f"origin/{base_branch}")
        return True
    except git.GitError:
        return False


@task(name="merge-branch")
def merge_local(
    repo_path: Path, branch: str, commit: str, base_branch: str, worktree: Path, message: str
) -> str:
    """Merge into origin's base branch; if it already is merged, say so instead of merging."""
    _require_remote(repo_path)
    if merged_into(repo_path, commit, base_branch):
        return git.rev_parse(repo_path, f"origin/{base_branch}") or commit
    try:
        return git.merge_into_remote(repo_path, branch, base_branch, worktree, message)
    except git.GitError as error:
        raise ProviderError(f"merge of {branch} into {base_branch} failed: {error}") from error


# --- github: the branch is pushed to origin, the pull request opened through GitHub's API ---


class GitHubPublication(Publication):
    node_id: str
    number: int


def github_repo(repo_path: Path) -> tuple[str, str]:
    """owner/name from origin's configured URL (as written, before any insteadOf rewrite)."""
    from tasks.github_pulls import parse_repo

    url = git.run_git(repo_path, "config", "--get", "remote.origin.url").strip()
    return parse_repo(url)  # ProviderError when origin is not a GitHub repository


def github_config() -> GitHubConfig:
    """GitHub's configuration from the environment, read inside each task that needs it."""
    from tasks.github_pulls import GitHubConfig

    config = GitHubConfig.from_env()  # the token is read here, never passed as a parameter
    if config is None:
        raise ProviderError("the github provider needs GITHUB_TOKEN")
    return config


@task(name="publish-github", tags=["github"])
def publish_github(
    repo_path: Path, branch: str, base_branch: str, title: str, body: str, owners: list[str]
) -> GitHubPublication:
    """Push the branch, open (or find) its pull request, ask CODEOWNERS owners to review."""
    from tasks.github_pulls import open_pull_request, request_reviewers, reviewers_from_owners

    config = github_config()
    owner, name = github_repo(repo_path)
    publish_local.fn(repo_path, branch)
    pull = open_pull_request(config, owner, name, branch, base_branch, title, body)
    users, teams = reviewers_from_owners(owners)
    if users or teams:
        request_reviewers(config, owner, name, pull.number, users, teams)
    return GitHubPublication(
        provider="github", url=pull.url, node_id=pull.node_id, number=pull.number
    )


@task(name="auto-merge-github", tags=["github"])
def auto_merge_github(node_id: str) -> str:
    """Ask GitHub to merge when the required checks pass; the merge itself happens there."""
    from tasks.github_pulls import enable_auto_merge

    done = enable_auto_merge(github_config(), node_id)
    return f"auto-merge ({done.merge_method}) enabled"
