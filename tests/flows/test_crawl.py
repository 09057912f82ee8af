"""The crawl flow on its own: one unreadable repository never stops the others."""

from __future__ import annotations

from flows.crawl import crawl_flow
from settings import CrawlSettings
from tests.gitrepos import CommitSpec, make_repo
from warehouse.io import store


def test_unreadable_repository_is_recorded_and_the_rest_are_crawled(prefect_server, tmp_path):
    root = tmp_path / "ws"
    make_repo(root / "good", [CommitSpec("Ann", 3, {"a.py": "a = 1\n"})])
    (root / "broken" / ".git").mkdir(parents=True)  # git refuses this folder
    db = tmp_path / "w.duckdb"
    summary = crawl_flow(db, [root], CrawlSettings().skip_dirs, include_environment=False)
    assert summary.repositories == 2 and summary.findings == 1 and summary.failed == []
    with store.connect(db, read_only=True) as con:
        repos = con.execute("SELECT name, commits_total FROM raw_local_repos ORDER BY 1").fetchall()
        findings = con.execute("SELECT finding_kind FROM raw_local_findings").fetchall()
        run = con.execute("SELECT kind, status FROM ledger_runs").fetchall()
    assert repos == [("broken", 0), ("good", 1)]
    assert findings == [("git-error",)]
    assert run == [("crawl", "COMPLETED")]


def test_removed_manifest_disappears_on_the_next_crawl(prefect_server, tmp_path):
    repo = make_repo(tmp_path / "r", [CommitSpec("Ann", 3, {"requirements.txt": "rich\n"})])
    db = tmp_path / "w.duckdb"
    skip = CrawlSettings().skip_dirs
    crawl_flow(db, [repo], skip, include_environment=False)
    (repo / "requirements.txt").unlink()
    second = crawl_flow(db, [repo], skip, include_environment=False)
    assert second.row_counts["raw_local_dependencies"] == 0
    assert second.row_counts["raw_local_manifests"] == 0
    assert second.row_counts["raw_local_repos"] == 1
