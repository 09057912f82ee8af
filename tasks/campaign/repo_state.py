"""Where a repository stands before a campaign touches it: its base, owners, and branches."""

from __future__ import annotations

from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel

from fixers.plan import parse_codeowners
from tasks.local import git

CODEOWNERS_PATHS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")


class Base(BaseModel):
    branch: str
    sha: str
    codeowners: list[tuple[str, list[str]]]


@task(name="prepare-base")
def prepare_base(repo_path: Path, baseline_worktree: Path) -> Base:
    """Fetch, find the default branch and its head, and check it out for the baseline run."""
    remote = git.has_remote(repo_path)
    if remote:
        git.fetch(repo_path)
    branch = git.default_branch(repo_path)
    sha = (git.rev_parse(repo_path, f"origin/{branch}") if remote else None) or git.rev_parse(
        repo_path, branch
    )
    if sha is None:
        raise git.GitError(f"{repo_path}: no commit on {branch} to start from")
    git.add_detached_worktree(repo_path, baseline_worktree, sha)
    rules: list[tuple[str, list[str]]] = []
    for rel in CODEOWNERS_PATHS:
        path = baseline_worktree / rel
        if path.is_file():
            rules = parse_codeowners(path.read_text(encoding="utf-8", errors="replace"))
            break
    return Base(branch=branch, sha=sha, codeowners=rules)


@task(name="guard-branch")
def guard_branch(repo_path: Path, base_sha: str, branch: str) -> str | None:
    """Why globallm must not touch `branch` (a person committed to it), or None when it may."""
    for ref in (branch, f"origin/{branch}"):
        if git.rev_parse(repo_path, ref) is None:
            continue
        foreign = git.foreign_commits(repo_path, base_sha, ref)
        if foreign:
            return (
                f"{ref} holds {len(foreign)} commit(s) globallm did not make "
                f"({foreign[0][:10]}); globallm no longer touches this branch"
            )
    return None


@task(name="remove-worktree", cache_policy=NO_CACHE)
def remove_worktree(repo_path: Path, worktree: Path) -> None:
    """Drop a worktree the campaign is done with (its branch stays), so none piles up."""
    git.remove_worktree(repo_path, worktree)


@task(name="drop-branch", cache_policy=NO_CACHE)
def drop_branch(repo_path: Path, branch: str) -> None:
    """Delete a branch of a change that was never published (a batch split after applying)."""
    git.delete_branch(repo_path, branch)


class RevertCommit(BaseModel):
    base_sha: str
    commit_sha: str
    files_changed: int
    lines_added: int
    lines_removed: int


@task(name="revert-branch")
def revert_branch(
    repo_path: Path, worktree: Path, branch: str, base_branch: str, merge_sha: str, message: str
) -> RevertCommit:
    """A branch off the remote's current base holding the revert of `merge_sha`."""
    git.fetch(repo_path)
    base_sha = git.rev_parse(repo_path, f"origin/{base_branch}")
    if base_sha is None:
        raise git.GitError(f"origin has no branch {base_branch}")
    try:
        sha = git.revert_on_branch(repo_path, worktree, branch, base_sha, merge_sha, message)
        files, added, removed = git.diff_stats(repo_path, base_sha, sha)
    finally:
        git.remove_worktree(repo_path, worktree)
    return RevertCommit(
        base_sha=base_sha,
        commit_sha=sha,
        files_changed=files,
        lines_added=added,
        lines_removed=removed,
    )
