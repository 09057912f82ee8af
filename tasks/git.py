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
