"""Repositories a campaign works on: 3.8-era Python, `legacy_fetch` calls, passing suites, and
a bare repository as each one's remote."""

from __future__ import annotations

from pathlib import Path

from tests.gitrepos import CommitSpec, git, make_repo

ACME_HTTP = '''\
"""A shared HTTP helper; `legacy_fetch` is deprecated in favour of `fetch`."""


def fetch(url):
    return "got %s" % url


def legacy_fetch(url):
    return fetch(url)
'''

CORE = """\
from typing import List, Optional

from acme_http import legacy_fetch


class Store(object):
    def __init__(self):
        super(Store, self).__init__()
        self.items: List[str] = []

    def load(self, url: str) -> Optional[str]:
        result = legacy_fetch(url)  # keep this comment
        self.items.append(result)
        return result
"""

CLIENT = """\
import acme_http
from typing import Dict


def fetch_all(urls) -> Dict[str, str]:
    return {url: acme_http.legacy_fetch(url) for url in urls}
"""

TESTS = """\
import acme_http
from app.client import fetch_all
from app.core import Store


def test_load():
    assert Store().load("x") == "got x"


def test_fetch_all():
    assert fetch_all(["a"]) == {"a": "got a"}


def test_both_spellings():
    assert acme_http.fetch("y") == acme_http.legacy_fetch("y")
"""

# A test that pins the old spelling: the upgrade breaks it, and the gate must say so.
OLD_SPELLING_TEST = """\
import inspect

from app import core


def test_old_spelling():
    assert "Optional[str]" in inspect.getsource(core.Store.load)
"""


SLOW_TEST = """import time


def test_slow():
    # busy, not asleep: a real suite competes with globallm for the cores
    end, turns = time.perf_counter() + {seconds}, 0
    while time.perf_counter() < end:
        turns += 1
    assert turns
"""


def make_campaign_repo(
    root: Path,
    name: str,
    pins_old_spelling: bool = False,
    suite_seconds: float = 0.0,
    extra_files: dict[str, str] | None = None,
) -> Path:
    """A working repository `root/name` whose origin is the bare `root/remotes/name.git`.

    `suite_seconds` adds a test that keeps a core busy that long, standing in for a real suite;
    `extra_files` adds (or replaces) files by path.
    """
    files = {
        "acme_http.py": ACME_HTTP,
        "app/__init__.py": "",
        "app/core.py": CORE,
        "app/client.py": CLIENT,
        "tests/test_app.py": TESTS,
    }
    if pins_old_spelling:
        files["tests/test_style.py"] = OLD_SPELLING_TEST
    if suite_seconds:
        files["tests/test_slow.py"] = SLOW_TEST.format(seconds=suite_seconds)
    files.update(extra_files or {})
    return make_repo_with_remote(root, name, files)


def make_repo_with_remote(root: Path, name: str, files: dict[str, str]) -> Path:
    """`root/work/name` holding `files` in one commit, its origin the bare
    `root/remotes/name.git` with `main` pushed."""
    bare = root / "remotes" / f"{name}.git"
    bare.mkdir(parents=True)
    git(bare, "init", "-q", "--bare", "-b", "main")
    repo = make_repo(root / "work" / name, [CommitSpec("Ann", 10, files)], remote=str(bare))
    git(repo, "push", "-q", "-u", "origin", "main")
    git(repo, "remote", "set-head", "origin", "main")
    return repo


def remote_file(repo: Path, branch: str, path: str) -> str:
    """A file as the remote's branch has it."""
    return git(repo, "--git-dir", str(_bare(repo)), "show", f"{branch}:{path}")


def _bare(repo: Path) -> Path:
    return Path(git(repo, "remote", "get-url", "origin").strip())


def run_upgrade(tmp_path: Path, **policy):
    """upgrade-python to 3.12 over the repositories under `tmp_path/work`, with this policy:
    the warehouse's path and the campaign's summary."""
    from flows.campaign import CampaignSpec, campaign_run_flow
    from flows.campaign_repository import CampaignPolicy

    db = tmp_path / "w.duckdb"
    spec = CampaignSpec(
        recipe="upgrade-python",
        options={"target_version": "3.12"},
        paths=[tmp_path / "work"],
        runs_dir=tmp_path / "runs",
    )
    return db, campaign_run_flow(db_path=db, spec=spec, policy=CampaignPolicy(**policy))


def rows(db: Path, sql: str) -> list[tuple]:
    from warehouse.io import store

    with store.connect(db, read_only=True) as con:
        return con.execute(sql).fetchall()
