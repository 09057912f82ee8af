"""Health refresh: each batch lands as it is read, and a renamed repository keeps one row."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.github import discover_repositories, refresh_health
from tasks.github_store import GitHubStore
from tests.fakes.github_data import GitHubData
from tests.github_source import FAST, count, rows


def test_a_killed_refresh_keeps_the_batches_it_read(
    github: GitHubData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(250):
        github.add_repository(f"o/r{i:03}", 3000 + i, "Go")
    db = tmp_path / "w.duckdb"
    discover_repositories.fn(db, ["go"], 1000, timing=FAST)
    for repo in github.data.values():
        repo["stargazerCount"] += 1
    save, calls = GitHubStore.save_repos, []

    def dies_on_the_third_batch(self, found):
        calls.append(len(found))
        if len(calls) == 3:
            raise SystemExit("killed")
        save(self, found)

    monkeypatch.setattr(GitHubStore, "save_repos", dies_on_the_third_batch)
    with pytest.raises(SystemExit):
        refresh_health.fn(db, 1000, timing=FAST)

    assert calls == [100, 100, 50]
    refreshed = (
        "SELECT count(*) FROM raw_github_repositories "
        "WHERE stars = 3001 + CAST(substr(full_name, 4) AS INT)"
    )
    assert rows(db, refreshed) == [(200,)]  # the two batches read before the kill


def test_a_renamed_repository_replaces_its_old_row(github: GitHubData, tmp_path: Path) -> None:
    github.add_repository("old/name", 5000, "Go")
    github.add_repository("o/other", 4000, "Go")
    db = tmp_path / "w.duckdb"
    discover_repositories.fn(db, ["go"], 1000, timing=FAST)
    github.rename("old/name", "new/Name")

    result = refresh_health.fn(db, 1000, timing=FAST)

    assert result.repositories == 2 and result.failed == 0
    assert rows(
        db, "SELECT repo_id, full_name, node_id FROM raw_github_repositories ORDER BY 1"
    ) == [
        ("github:new/name", "new/Name", "R_1"),
        ("github:o/other", "o/other", "R_2"),
    ]
    found = discover_repositories.fn(db, ["go"], 1000, timing=FAST, full_after_days=0)
    assert found.repositories == 2 and count(db, "raw_github_repositories") == 2
