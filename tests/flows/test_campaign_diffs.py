"""A campaign's change holds what the recipe changed and nothing else: the project's style is
left alone unless it declares a formatter, and then only the changed lines are formatted."""

from __future__ import annotations

from pathlib import Path

from tests.campaign_repos import make_repo_with_remote, run_upgrade
from tests.gitrepos import git
from warehouse.io import store

# Their style: single quotes, aligned comments, a spaced dict; one annotation to upgrade.
STORE = """\
from typing import Optional

LIMITS = {'small':  1,   # aligned
          'large':  10}  # on purpose


def load(url:str)->Optional[str]:
    return 'got %s' % url
"""
TESTS_OK = """\
def test_ok():
    assert True
"""
TESTS = """\
from app.store import load


def test_load():
    assert load('x') == 'got x'
"""


def make_styled_repo(root: Path, name: str, pyproject: str | None) -> Path:
    files = {"app/__init__.py": "", "app/store.py": STORE, "tests/test_store.py": TESTS}
    if pyproject is not None:
        files["pyproject.toml"] = pyproject
    return make_repo_with_remote(root, name, files)


def upgrade(root: Path, **policy) -> Path:
    """A dry-run upgrade-python campaign over `root/work`; its warehouse."""
    return run_upgrade(root, dry_run=True, **policy)[0]


def changed_lines(db: Path) -> dict[str, list[str]]:
    """Per repository, the +/- lines of its change's diff (headers left out)."""
    with store.connect(db, read_only=True) as con:
        rows = con.execute("SELECT repo, diff FROM ledger_changes ORDER BY repo").fetchall()
    return {
        Path(repo).name: [
            line
            for line in diff.splitlines()
            if line[:1] in "+-" and not line.startswith(("+++", "---"))
        ]
        for repo, diff in rows
    }


def test_only_the_recipes_lines_change_and_a_declared_formatter_formats_only_those(
    prefect_server, tmp_path
):
    make_styled_repo(tmp_path, "plain", None)
    make_styled_repo(tmp_path, "ruffed", "[tool.ruff.format]\nquote-style = 'single'\n")
    diffs = changed_lines(upgrade(tmp_path))
    # no formatter declared: the recipe's own lines, in the project's style
    assert "+def load(url:str)->str | None:" in diffs["plain"]
    assert all("LIMITS" not in line and "'large'" not in line for line in diffs["plain"])
    # ruff format declared: the changed line formatted the project's way, the rest untouched
    assert "+def load(url: str) -> str | None:" in diffs["ruffed"]
    assert all("LIMITS" not in line and "'large'" not in line for line in diffs["ruffed"])
    assert len(diffs["ruffed"]) == len(diffs["plain"])


# One upgraded annotation each; the project's formatter then wraps the long signature over
# several lines, so the final diff is longer than the plan could count.
LONG = (
    "from typing import Optional\n\n\n"
    "def load(url: str, timeout: int = 1, retries: int = 2, backoff: float = 0.5,"
    " verify_tls: bool = True) -> Optional[str]:\n"
    "    return url\n"
)


def test_a_final_diff_over_the_line_cap_is_split_into_smaller_changes(prefect_server, tmp_path):
    files = {"app/__init__.py": "", "app/one.py": LONG, "app/two.py": LONG,
             "pyproject.toml": "[tool.ruff.format]\n", "tests/test_ok.py": TESTS_OK}  # fmt: skip
    repo = make_repo_with_remote(tmp_path, "wide", files)
    db = upgrade(tmp_path, max_lines=10)  # the plan counts 4 lines in all
    with store.connect(db, read_only=True) as con:
        changes = con.execute(
            "SELECT files_changed, lines_added + lines_removed, branch FROM ledger_changes"
        ).fetchall()
    assert sorted(files for files, _, _ in changes) == [1, 1]  # split: one file each
    assert all(lines <= 10 for _, lines, _ in changes)
    branches = git(repo, "branch", "--list", "globallm/*").split()
    assert sorted(branches) == sorted(branch for _, _, branch in changes)  # none left over
