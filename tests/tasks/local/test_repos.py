"""The local crawl against real repositories built by fixtures."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from settings import CrawlSettings
from tasks.local.repos import crawl_repository, find_repositories

SKIP = CrawlSettings().skip_dirs


def _crawl(path: Path):
    return crawl_repository.fn(path, datetime.now(UTC), 2_000_000, SKIP)


def test_finds_nested_repositories_and_skips_virtualenvs_and_node_modules(workspace: Path):
    found = find_repositories([workspace], SKIP)
    names = [p.relative_to(workspace).as_posix() for p in found]
    assert names == ["app", "app/plugins/legacy", "core", "web"]


def test_same_repository_under_two_roots_is_found_once(workspace: Path):
    found = find_repositories([workspace, workspace / "core"], SKIP)
    assert sum(p.name == "core" for p in found) == 1


def test_history_windows_authors_and_tags(workspace: Path):
    crawl = _crawl((workspace / "core").resolve())
    repo = crawl.repo
    assert repo.commits_total == 4
    assert repo.commits_90d == 3  # 60, 5 and 1 days ago
    assert repo.commits_365d == 3  # the 400-day-old commit is outside
    assert repo.authors_90d == 3  # Bob, Cyd, Ada
    assert repo.authors_365d == 3
    assert repo.tag_count == 1 and repo.latest_tag == "v1.0.0"
    assert (repo.last_commit_at - repo.first_commit_at).days in (398, 399, 400)
    assert repo.remote_url == "https://github.com/acme/core"
    assert repo.has_tests and repo.has_ci and repo.ci_systems == ["github-actions"]
    assert repo.package_name == "acme-core" and repo.package_ecosystem == "pypi"
    assert repo.languages == {"Python": 3}
    assert repo.loc == 6  # two lines in each of the three Python files
    assert crawl.findings == []


def test_manifest_dependencies_with_kinds_and_extras(workspace: Path):
    crawl = _crawl((workspace / "core").resolve())
    deps = {(d.name, d.dependency_kind, d.extra) for d in crawl.dependencies}
    assert deps == {
        ("httpx", "runtime", ""),
        ("pydantic", "runtime", ""),
        ("pytest", "dev", "dev"),
        ("orjson", "optional", "fast"),
    }
    assert [(m.path, m.parsed, m.dependency_count) for m in crawl.manifests] == [
        ("pyproject.toml", True, 4)
    ]


def test_broken_and_non_utf8_manifests_become_findings_and_crawl_goes_on(workspace: Path):
    crawl = _crawl((workspace / "app" / "plugins" / "legacy").resolve())
    kinds = {(f.path, f.finding_kind) for f in crawl.findings}
    assert kinds == {
        ("pyproject.toml", "broken-manifest"),
        ("requirements-dev.txt", "unreadable-manifest"),
    }
    assert all(not m.parsed for m in crawl.manifests)
    assert crawl.repo.commits_total == 1 and crawl.repo.languages == {"Python": 1}


def test_quiet_repository_without_tests_or_ci(workspace: Path):
    repo = _crawl((workspace / "app").resolve()).repo
    assert repo.commits_90d == 0 and repo.commits_365d == 2 and repo.authors_365d == 1
    assert not repo.has_tests and not repo.has_ci
    assert repo.remote_url is None and repo.package_name is None


def test_javascript_project(workspace: Path):
    crawl = _crawl((workspace / "web").resolve())
    assert crawl.repo.primary_language == "JavaScript" and crawl.repo.has_tests
    assert crawl.repo.package_name == "acme-web" and crawl.repo.package_ecosystem == "npm"
    kinds = {d.name: d.dependency_kind for d in crawl.dependencies}
    assert kinds == {"react": "runtime", "jest": "dev", "react-dom": "peer"}


def test_untracked_files_count_but_skipped_folders_do_not(workspace: Path):
    web = (workspace / "web").resolve()
    (web / "extra.js").write_text("a\nb\nc\n")
    (web / "node_modules" / "big.js").write_text("x\n" * 1000)
    repo = _crawl(web).repo
    assert repo.loc == 1 + 1 + 3  # index.js, index.test.js, extra.js


def test_repository_without_commits_is_recorded(tmp_path: Path):
    from tests.gitrepos import git

    empty = tmp_path / "empty"
    empty.mkdir()
    git(empty, "init", "-q")
    crawl = _crawl(empty.resolve())
    assert crawl.repo.commits_total == 0 and crawl.repo.last_commit_at is None
    assert [f.finding_kind for f in crawl.findings] == ["no-commits"]


def test_folder_git_cannot_read_becomes_a_git_error_finding(tmp_path: Path):
    broken = tmp_path / "broken"
    (broken / ".git").mkdir(parents=True)  # not a repository: git refuses it
    crawl = _crawl(broken.resolve())
    assert [f.finding_kind for f in crawl.findings] == ["git-error"]
    assert crawl.repo.file_count == 0


def test_large_files_are_not_counted_and_are_reported(workspace: Path):
    core = (workspace / "core").resolve()
    (core / "big.py").write_text("x = 1\n" * 100)
    crawl = crawl_repository.fn(core, datetime.now(UTC), 50, SKIP)
    assert ("big.py", "large-file") in {(f.path, f.finding_kind) for f in crawl.findings}
