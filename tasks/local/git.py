"""Git, through its command line: the one module that runs `git`."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel


class GitError(RuntimeError):
    """A git command that failed; the message carries git's own words."""


class Commit(BaseModel):
    sha: str
    author_email: str
    authored_at: datetime


def run_git(repo: Path, *args: str) -> str:
    """Run git in `repo` and return stdout; raise GitError with stderr on failure."""
    # safe.directory: crawling reads repositories other users own; we never run their hooks.
    command = ["git", "-c", "safe.directory=*", "-C", str(repo), *args]
    result = subprocess.run(command, capture_output=True, text=True, errors="replace")
    if result.returncode != 0:
        raise GitError(f"git {' '.join(args)}: {result.stderr.strip() or result.returncode}")
    return result.stdout


def listed_files(repo: Path) -> list[str]:
    """Tracked and untracked-but-not-ignored files; nested repositories are not entered."""
    out = run_git(repo, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    return sorted({p for p in out.split("\0") if p and not p.endswith("/")})


def commits(repo: Path) -> list[Commit]:
    """Every commit reachable from HEAD, newest first; empty for a repository with no commit."""
    try:
        out = run_git(repo, "log", "--format=%H%x1f%aE%x1f%at")
    except GitError as error:
        if "does not have any commits" in str(error) or "bad default revision" in str(error):
            return []
        raise
    rows = (line.split("\x1f") for line in out.splitlines() if line)
    return [
        Commit(
            sha=sha, author_email=email.lower(), authored_at=datetime.fromtimestamp(int(ts), UTC)
        )
        for sha, email, ts in rows
    ]


def tags(repo: Path) -> list[str]:
    """Tag names, newest first by creation date."""
    return run_git(repo, "tag", "--sort=-creatordate").split()


def remote_url(repo: Path) -> str | None:
    """The `origin` URL (or the first remote's), normalised to https form where possible."""
    remotes = run_git(repo, "remote").split()
    if not remotes:
        return None
    name = "origin" if "origin" in remotes else remotes[0]
    return normalise_remote(run_git(repo, "remote", "get-url", name).strip())


def normalise_remote(url: str) -> str:
    """`git@host:owner/name.git` and `https://host/owner/name.git` both become the https form."""
    if url.startswith("git@") and ":" in url:
        host, path = url[4:].split(":", 1)
        url = f"https://{host}/{path}"
    return url.removesuffix("/").removesuffix(".git")


# --- writing: branches, worktrees, commits and pushes for the fix engine -------------------

BOT_NAME = "globallm"
BOT_EMAIL = "globallm@localhost"
GENERATED_BY = "globallm"


def _as_bot(repo: Path, *args: str) -> str:
    return run_git(repo, "-c", f"user.name={BOT_NAME}", "-c", f"user.email={BOT_EMAIL}", *args)


def rev_parse(repo: Path, ref: str) -> str | None:
    try:
        return run_git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").strip()
    except GitError:
        return None


def current_branch(repo: Path) -> str | None:
    name = run_git(repo, "rev-parse", "--abbrev-ref", "HEAD").strip()
    return None if name == "HEAD" else name


def default_branch(repo: Path) -> str:
    """The remote's default branch when known (origin/HEAD), else the checked-out branch."""
    try:
        ref = run_git(repo, "symbolic-ref", "--quiet", "refs/remotes/origin/HEAD").strip()
        return ref.removeprefix("refs/remotes/origin/")
    except GitError:
        pass
    for candidate in ("main", "master"):
        if rev_parse(repo, f"refs/remotes/origin/{candidate}"):
            return candidate
    return current_branch(repo) or "main"


def has_remote(repo: Path, name: str = "origin") -> bool:
    return name in run_git(repo, "remote").split()


def fetch(repo: Path, remote: str = "origin") -> None:
    run_git(repo, "fetch", "--quiet", "--prune", remote)


def clone(url: str, target: Path) -> None:
    """Clone `url` into `target` (its parent is made); hooks of the remote never run here."""
    target.parent.mkdir(parents=True, exist_ok=True)
    run_git(target.parent, "clone", "--quiet", "--no-tags", url, str(target))


def add_worktree(repo: Path, worktree: Path, branch: str, start: str) -> None:
    """A worktree on `branch`, (re)created at `start`; callers check the branch is ours first."""
    remove_worktree(repo, worktree)
    run_git(repo, "worktree", "add", "--quiet", "-B", branch, str(worktree), start)


def add_detached_worktree(repo: Path, worktree: Path, start: str) -> None:
    remove_worktree(repo, worktree)
    run_git(repo, "worktree", "add", "--quiet", "--detach", str(worktree), start)


def remove_worktree(repo: Path, worktree: Path) -> None:
    if worktree.exists():
        run_git(repo, "worktree", "remove", "--force", str(worktree))
    run_git(repo, "worktree", "prune")


def delete_branch(repo: Path, branch: str) -> None:
    """Delete a local branch of ours (never pushed); a missing one is fine."""
    if rev_parse(repo, f"refs/heads/{branch}"):
        run_git(repo, "branch", "-D", branch)


def commit_files(worktree: Path, files: list[str], message: str) -> str | None:
    """Commit exactly `files` as globallm; None when they hold no change."""
    run_git(worktree, "add", "--", *files)
    if not run_git(worktree, "diff", "--cached", "--name-only").strip():
        return None
    _as_bot(worktree, "commit", "--quiet", "--no-verify", "-m", message)
    return run_git(worktree, "rev-parse", "HEAD").strip()


def foreign_commits(repo: Path, base: str, branch: str) -> list[str]:
    """Commits on `branch` since `base` that globallm did not make (no Generated-By trailer)."""
    out = run_git(
        repo,
        "log",
        "--format=%H%x1f%(trailers:key=Generated-By,valueonly,separator=%x2c)",
        f"{base}..{branch}",
    )
    foreign = []
    for line in out.splitlines():
        sha, _, trailer = line.partition("\x1f")
        if trailer.strip() != GENERATED_BY:
            foreign.append(sha)
    return foreign


def diff_stats(repo: Path, base: str, head: str) -> tuple[int, int, int]:
    """(files, lines added, lines removed) between two commits."""
    files = added = removed = 0
    for line in run_git(repo, "diff", "--numstat", base, head).splitlines():
        plus, minus, _ = line.split("\t", 2)
        files += 1
        added += int(plus) if plus != "-" else 0
        removed += int(minus) if minus != "-" else 0
    return files, added, removed


def diff_text(repo: Path, base: str, head: str) -> str:
    return run_git(repo, "diff", base, head)


def push_branch(repo: Path, branch: str, remote: str = "origin") -> None:
    """Push `branch`; never forced, so a branch someone else moved is never overwritten."""
    run_git(repo, "push", "--quiet", remote, f"refs/heads/{branch}:refs/heads/{branch}")


def merge_into_remote(
    repo: Path, branch: str, base_branch: str, worktree: Path, message: str
) -> str:
    """Merge `branch` into the remote's `base_branch` (no fast-forward) and push; the merge sha.

    Raises GitError when the merge conflicts or the push is rejected (the base moved).
    """
    fetch(repo)
    add_detached_worktree(repo, worktree, f"origin/{base_branch}")
    try:
        _as_bot(worktree, "merge", "--quiet", "--no-ff", "-m", message, branch)
        sha = run_git(worktree, "rev-parse", "HEAD").strip()
        run_git(worktree, "push", "--quiet", "origin", f"HEAD:refs/heads/{base_branch}")
        return sha
    finally:  # a conflicted merge is thrown away with its worktree
        remove_worktree(repo, worktree)


def revert_on_branch(repo: Path, worktree: Path, branch: str, start: str, sha: str, message: str):
    """A branch from `start` holding the revert of merge commit `sha`; the new commit's sha."""
    add_worktree(repo, worktree, branch, start)
    _as_bot(worktree, "revert", "--no-edit", "-m", "1", "--no-commit", sha)
    _as_bot(worktree, "commit", "--quiet", "--no-verify", "-m", message)
    return run_git(worktree, "rev-parse", "HEAD").strip()
