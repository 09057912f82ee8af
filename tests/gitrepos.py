"""Builders of real git repositories for tests: several authors, back-dated commits, tags."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path


@dataclass
class CommitSpec:
    """One commit: who, how many days before now, and the files it writes (path -> content)."""

    author: str
    days_ago: float
    files: dict[str, str | bytes] = field(default_factory=dict)
    tag: str | None = None


def git(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        ["git", "-C", str(repo), *args],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **(env or {})},
    )
    return result.stdout


def make_repo(path: Path, commits: list[CommitSpec], remote: str | None = None) -> Path:
    """A real repository at `path` with the given history, oldest commit first."""
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    for spec in commits:
        for rel, content in spec.files.items():
            target = path / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8")
        when = (datetime.now(UTC) - timedelta(days=spec.days_ago)).strftime("%Y-%m-%dT%H:%M:%S%z")
        email = f"{spec.author.lower()}@example.com"
        env = {
            "GIT_AUTHOR_NAME": spec.author,
            "GIT_AUTHOR_EMAIL": email,
            "GIT_COMMITTER_NAME": spec.author,
            "GIT_COMMITTER_EMAIL": email,
            "GIT_AUTHOR_DATE": when,
            "GIT_COMMITTER_DATE": when,
        }
        git(path, "add", "-A")
        git(path, "commit", "-q", "--allow-empty", "-m", f"change by {spec.author}", env=env)
        if spec.tag:
            git(path, "tag", "-a", spec.tag, "-m", spec.tag, env=env)
    if remote:
        git(path, "remote", "add", "origin", remote)
    return path
