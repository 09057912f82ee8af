"""The local workspace source: git repositories on disk, their code, manifests and history.

A broken manifest or an unreadable file becomes a finding on its repository; the crawl of that
repository, and of every other one, goes on.
"""

from __future__ import annotations

import os
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path, PurePosixPath

from prefect import task
from prefect.cache_policies import NO_CACHE

from tasks.local import git
from tasks.local.file_kinds import LANGUAGES, ci_systems, count_lines, is_test_path
from tasks.local.manifests import ManifestError, parser_for
from tasks.local.rows import DependencyRow, Finding, LocalRepo, ManifestRow, RepoCrawl


def find_repositories(roots: list[Path], skip_dirs: list[str]) -> list[Path]:
    """Every git repository under the roots, nested ones included, each once, sorted."""
    skip, found = set(skip_dirs), set()
    for root in roots:
        for current, dirs, files in os.walk(root):
            if ".git" in dirs or ".git" in files:  # a file for worktrees and submodules
                found.add(Path(current).resolve())
            dirs[:] = sorted(d for d in dirs if d not in skip)
    return sorted(found)


@task(name="find-repositories", cache_policy=NO_CACHE)
def list_repositories(paths: list[Path], skip_dirs: list[str]) -> list[Path]:
    """`find_repositories` under the given folders (resolved), walked fresh on every run."""
    return find_repositories([p.resolve() for p in paths], skip_dirs)


@task(name="crawl-local-repository")
def crawl_repository(
    path: Path, as_of: datetime, max_file_bytes: int, skip_dirs: list[str]
) -> RepoCrawl:
    """Read one repository: files, manifests, tests, CI and history. Never raises for content."""
    try:
        return _crawl(path, as_of, max_file_bytes, set(skip_dirs))
    except git.GitError as error:
        return _unreadable(path, as_of, str(error))


def _unreadable(path: Path, as_of: datetime, detail: str) -> RepoCrawl:
    """A repository git cannot read still gets its row, and the reason as a finding."""
    repo_id = f"local:{path}"
    empty = dict.fromkeys(
        [
            "file_count",
            "loc",
            "commits_90d",
            "commits_365d",
            "commits_total",
            "authors_90d",
            "authors_365d",
            "tag_count",
        ],
        0,
    )
    repo = LocalRepo(
        repo_id=repo_id,
        name=path.name,
        path=str(path),
        remote_url=None,
        package_name=None,
        package_ecosystem=None,
        languages={},
        primary_language=None,
        has_tests=False,
        has_ci=False,
        ci_systems=[],
        first_commit_at=None,
        last_commit_at=None,
        latest_tag=None,
        head_sha=None,
        as_of=as_of,
        crawled_at=datetime.now(as_of.tzinfo),
        **empty,
    )
    finding = Finding(repo_id=repo_id, path=".", finding_kind="git-error", detail=detail)
    return RepoCrawl(repo=repo, manifests=[], dependencies=[], findings=[finding])


def _crawl(path: Path, as_of: datetime, max_file_bytes: int, skip_dirs: set[str]) -> RepoCrawl:
    """Three phases over one listing of the files: code (languages, lines), manifests (declared
    dependencies, the package it publishes), then history; each adds the findings it meets, in
    that order."""
    repo_id = f"local:{path}"
    # untracked files count too, but never what a skipped folder (.venv, node_modules) holds
    files = [f for f in git.listed_files(path) if skip_dirs.isdisjoint(f.split("/")[:-1])]
    findings: list[Finding] = []
    languages, loc = _count_code(path, repo_id, files, max_file_bytes, findings)
    manifests, dependencies, package = _read_manifests(path, repo_id, files, findings)
    history = _history(path, repo_id, as_of, findings)
    ci = ci_systems(files)
    repo = LocalRepo(
        repo_id=repo_id,
        name=path.name,
        path=str(path),
        remote_url=git.remote_url(path),
        package_name=package[0] if package else None,
        package_ecosystem=package[1] if package else None,
        languages=dict(languages),
        primary_language=languages.most_common(1)[0][0] if languages else None,
        file_count=len(files),
        loc=loc,
        has_tests=any(is_test_path(f) for f in files),
        has_ci=bool(ci),
        ci_systems=ci,
        **history,
        as_of=as_of,
        crawled_at=datetime.now(as_of.tzinfo),
        readme_excerpt=readme_excerpt(path, files),
    )
    return RepoCrawl(repo=repo, manifests=manifests, dependencies=dependencies, findings=findings)


def _count_code(
    path: Path, repo_id: str, files: list[str], max_file_bytes: int, findings: list[Finding]
) -> tuple[Counter[str], int]:
    """Source files by language and their lines; a file too large to count or unreadable is a
    finding, not a failure, so one odd file never hides the repository."""
    languages: Counter[str] = Counter()
    loc = 0
    for rel in files:
        language = LANGUAGES.get(PurePosixPath(rel).suffix.lower())
        full = path / rel
        if language is None or not full.is_file():
            continue
        languages[language] += 1
        try:
            lines = count_lines(full, max_file_bytes)
        except OSError as error:
            findings.append(
                Finding(
                    repo_id=repo_id, path=rel, finding_kind="unreadable-file", detail=str(error)
                )
            )
            continue
        if lines is None:
            findings.append(
                Finding(
                    repo_id=repo_id,
                    path=rel,
                    finding_kind="large-file",
                    detail=f"over {max_file_bytes} bytes; lines not counted",
                )
            )
        else:
            loc += lines
    return languages, loc


def _read_manifests(
    path: Path, repo_id: str, files: list[str], findings: list[Finding]
) -> tuple[list[ManifestRow], list[DependencyRow], tuple[str, str] | None]:
    """Every manifest's row and declared dependencies, and the package the repository
    publishes (a top-level manifest's name wins, then NAMING_MANIFESTS' order). A broken or
    non-UTF-8 manifest still gets its row (parsed=False) and a finding, and the crawl goes on."""
    manifests: list[ManifestRow] = []
    dependencies: list[DependencyRow] = []
    named: list[tuple[tuple[bool, int, int], str, str]] = []  # (preference, name, ecosystem)
    for rel in files:
        parse = parser_for(rel)
        if parse is None or not (path / rel).is_file():
            continue
        try:
            parsed = parse((path / rel).read_text(encoding="utf-8"))
        except (ManifestError, UnicodeDecodeError, OSError) as error:
            kind = "broken-manifest" if isinstance(error, ManifestError) else "unreadable-manifest"
            findings.append(
                Finding(repo_id=repo_id, path=rel, finding_kind=kind, detail=str(error))
            )
            manifests.append(
                ManifestRow(
                    repo_id=repo_id,
                    path=rel,
                    manifest_kind=PurePosixPath(rel).name,
                    ecosystem="unknown",
                    parsed=False,
                    dependency_count=0,
                )
            )
            continue
        manifests.append(
            ManifestRow(
                repo_id=repo_id,
                path=rel,
                manifest_kind=parsed.manifest_kind,
                ecosystem=parsed.ecosystem,
                parsed=True,
                dependency_count=len(parsed.dependencies),
            )
        )
        unique = {d.model_dump_json(): d for d in parsed.dependencies}.values()
        dependencies += [
            DependencyRow(repo_id=repo_id, manifest_path=rel, **dep.model_dump()) for dep in unique
        ]
        findings += [
            Finding(repo_id=repo_id, path=rel, finding_kind="unread-manifest-value", detail=note)
            for note in parsed.notes
        ]
        if parsed.package_name:
            named.append((_name_preference(rel, len(named)), parsed.package_name, parsed.ecosystem))
    package = min(named)[1:] if named else None
    return manifests, dependencies, package


def _history(path: Path, repo_id: str, as_of: datetime, findings: list[Finding]) -> dict:
    """The repository's history fields: commits and distinct authors in the last 90 and 365
    days as of `as_of`, first and last commit, tags, head. No commit yet is a finding."""
    history = git.commits(path)
    if not history:
        findings.append(
            Finding(
                repo_id=repo_id,
                path=".",
                finding_kind="no-commits",
                detail="the repository has no commit yet",
            )
        )
    recent = [c for c in history if c.authored_at >= as_of - timedelta(days=90)]
    year = [c for c in history if c.authored_at >= as_of - timedelta(days=365)]
    tag_names = git.tags(path)
    return {
        "commits_90d": len(recent),
        "commits_365d": len(year),
        "commits_total": len(history),
        "authors_90d": len({c.author_email for c in recent}),
        "authors_365d": len({c.author_email for c in year}),
        "first_commit_at": min((c.authored_at for c in history), default=None),
        "last_commit_at": max((c.authored_at for c in history), default=None),
        "tag_count": len(tag_names),
        "latest_tag": tag_names[0] if tag_names else None,
        "head_sha": history[0].sha if history else None,
    }


# Where a checkout names its package, most authoritative first (setuptools reads setup.cfg's
# metadata before setup.py's arguments; pyproject.toml's [project] table wins over both)
NAMING_MANIFESTS = ["pyproject.toml", "setup.cfg", "setup.py", "package.json", "go.mod"]


def _name_preference(rel: str, position: int) -> tuple[bool, int, int]:
    """Top-level manifests before nested ones, then NAMING_MANIFESTS' order, then file order."""
    kind = PurePosixPath(rel).name
    rank = NAMING_MANIFESTS.index(kind) if kind in NAMING_MANIFESTS else len(NAMING_MANIFESTS)
    return ("/" in rel, rank, position)


README_EXCERPT_CHARS = 4000  # redundancy embeds at most `redundancy.readme_chars` of it


def readme_excerpt(path: Path, files: list[str]) -> str | None:
    """The head of the top-level README (README.md first); undecodable bytes are replaced."""
    readmes = sorted(
        (f for f in files if "/" not in f and f.lower().startswith("readme")),
        key=lambda f: (not f.lower().endswith(".md"), f.lower()),
    )
    for rel in readmes:
        try:
            with (path / rel).open("rb") as handle:
                head = handle.read(README_EXCERPT_CHARS * 4)
        except OSError:
            continue
        return head.decode("utf-8", errors="replace")[:README_EXCERPT_CHARS]
    return None
