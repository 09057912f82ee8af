"""The `local` provider: the branch is pushed to the repository's own remote (a bare
repository will do), the pull request is a ledger record, and auto-merge merges into the
remote's default branch.

Merging is not idempotent, so it first looks the result up: a branch already merged is reported
as merged, never merged twice.
"""

from __future__ import annotations

from pathlib import Path

from prefect import task

from tasks.local import git
from tasks.pulls.provider import ProviderError, Publication


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
