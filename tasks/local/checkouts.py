"""Where the solve loop finds a repository's code: a crawled workspace checkout when there is
one, else its own clone under `.globallm/checkouts/OWNER/NAME`, made once and fetched after.

The clone URL comes from a template (`solve.clone_url_template`, `{repo}` is OWNER/NAME), so
mirrors, GitHub Enterprise and local bare repositories work the same way.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from prefect import task
from prefect.cache_policies import NO_CACHE

from fixers.issue_files import files_for_issue
from tasks.local import git


class CheckoutError(RuntimeError):
    """No usable copy of the repository; the message says why (git's own words)."""


def clone_url(template: str, repo: str) -> str:
    """The template with `{repo}` (OWNER/NAME), `{owner}` and `{name}` filled in."""
    owner, _, name = repo.partition("/")
    return template.format(repo=repo, owner=owner, name=name)


def clone_dir(checkouts_dir: Path, repo: str) -> Path:
    """`checkouts_dir/OWNER/NAME`; a name that would climb out of the folder is refused."""
    parts = PurePosixPath(repo.lower()).parts
    if len(parts) != 2 or any(part in {"", ".", ".."} for part in parts):
        raise CheckoutError(f"{repo!r} is not OWNER/NAME")
    return checkouts_dir.joinpath(*parts)


@task(name="repository-checkout", cache_policy=NO_CACHE)
def checkout(repo: str, workspace: str | None, template: str, checkouts_dir: Path) -> Path:
    """A git checkout of `repo` with an up-to-date origin: the workspace's when it has one,
    else our clone (made now, or fetched)."""
    if workspace and (Path(workspace) / ".git").exists():
        return Path(workspace)
    target = clone_dir(checkouts_dir, repo)
    try:
        if (target / ".git").exists():
            git.fetch(target)
        else:
            git.clone(clone_url(template, repo), target)
    except git.GitError as error:
        raise CheckoutError(f"no checkout of {repo}: {error}") from None
    return target


@task(name="issue-files", cache_policy=NO_CACHE)
def issue_files(checkout_path: Path, scope: list[str], title: str, body: str) -> list[str]:
    """The files of the checkout a fix of the issue may edit (fixers/issue_files.py)."""
    return files_for_issue(scope, title, body, git.listed_files(checkout_path))
