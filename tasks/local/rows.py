"""The rows one local repository contributes to the raw tables (raw_local_repos, _manifests,
_dependencies, _findings), as the crawl task returns them and the landing task writes them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from tasks.local.manifests import DeclaredDependency


class LocalRepo(BaseModel):
    repo_id: str
    name: str
    path: str
    remote_url: str | None
    package_name: str | None
    package_ecosystem: str | None
    languages: dict[str, int]
    primary_language: str | None
    file_count: int
    loc: int
    has_tests: bool
    has_ci: bool
    ci_systems: list[str]
    commits_90d: int
    commits_365d: int
    commits_total: int
    authors_90d: int
    authors_365d: int
    first_commit_at: datetime | None
    last_commit_at: datetime | None
    tag_count: int
    latest_tag: str | None
    head_sha: str | None
    as_of: datetime
    crawled_at: datetime
    readme_excerpt: str | None = None  # the README's head, for redundancy's embeddings


class ManifestRow(BaseModel):
    repo_id: str
    path: str
    manifest_kind: str
    ecosystem: str
    parsed: bool
    dependency_count: int


class DependencyRow(DeclaredDependency):
    repo_id: str
    manifest_path: str


class Finding(BaseModel):
    repo_id: str
    path: str
    finding_kind: str
    detail: str


class RepoCrawl(BaseModel):
    """Everything one repository contributes to the raw tables."""

    repo: LocalRepo
    manifests: list[ManifestRow]
    dependencies: list[DependencyRow]
    findings: list[Finding]
