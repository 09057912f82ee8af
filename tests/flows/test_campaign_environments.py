"""Each target's suite runs in an environment of its declared test dependencies: real uv, real
installs from the configured index, real suites in the sandbox. `inflection` is the target's
test dependency; globallm's own venv does not have it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tasks.campaign.environments import MARKER, ensure_environment, find_interpreter
from tests.campaign_repos import make_campaign_repo, remote_file, rows, run_upgrade
from tests.gitrepos import git

INFLECTION_TEST = """\
import inflection


def test_camelize():
    assert inflection.camelize("device_type") == "DeviceType"
"""


def pyproject(test_requirement: str) -> str:
    return f"""\
[project]
name = "acme"
version = "0.1"

[project.optional-dependencies]
test = ["{test_requirement}"]
"""


def needs(tmp_path: Path, name: str, requirement: str) -> Path:
    files = {"pyproject.toml": pyproject(requirement), "tests/test_inflect.py": INFLECTION_TEST}
    return make_campaign_repo(tmp_path, name, extra_files=files)


def envs(tmp_path: Path) -> list[Path]:
    return sorted(p for p in (tmp_path / "envs").iterdir() if p.is_dir())


@pytest.fixture(autouse=True)
def inflection_is_not_ours():
    found = subprocess.run([sys.executable, "-c", "import inflection"], capture_output=True)
    assert found.returncode != 0, "the test needs a dependency globallm's venv lacks"


def test_declared_dependency_is_installed_and_a_missing_one_blocks(prefect_server, tmp_path):
    good = needs(tmp_path, "delta", "inflection==0.5.1")
    needs(tmp_path, "epsilon", "globallm-no-such-package-4d1e==1.0")
    db, summary = run_upgrade(tmp_path)
    assert summary.states == {"MERGED": 1, "BLOCKED": 1}
    assert "-> str | None:" in remote_file(good, "main", "app/core.py")
    verified = rows(
        db, "SELECT tests_before, passed_before, tests_after, passed_after, python"
        " FROM ledger_verifications",
    )  # fmt: skip
    assert len(verified) == 1 and verified[0][:4] == (4, 4, 4, 4)
    (env,) = envs(tmp_path)  # the failed build leaves nothing behind
    assert verified[0][4] == str(env / "bin" / "python")
    marker = json.loads((env / MARKER).read_text())
    assert marker["interpreter"].startswith("3.12.") == Path(
        find_interpreter("3.12")
    ).name.startswith("python3.12")
    assert "inflection==0.5.1" in marker["requirements"]
    (reasons,) = rows(db, "SELECT gate_reasons FROM ledger_changes WHERE state = 'BLOCKED'")
    assert len(reasons[0]) == 1 and reasons[0][0].startswith("environment: ")
    assert "globallm-no-such-package-4d1e" in reasons[0][0] and "Traceback" not in reasons[0][0]
    items = rows(
        db, "SELECT DISTINCT status, reason FROM ledger_plan_items WHERE repo LIKE '%epsilon%'"
    )
    assert items == [("BLOCKED", reasons[0][0])]


def test_the_environment_is_reused_and_python_overrides_it(prefect_server, tmp_path):
    repo = needs(tmp_path, "delta", "inflection==0.5.1")
    _, first = run_upgrade(tmp_path)
    assert first.states == {"MERGED": 1}
    (env,) = envs(tmp_path)
    built_at = (env / MARKER).stat().st_mtime_ns
    # new 3.8-era code on main: a second campaign has work, and the same declarations
    git(repo, "pull", "-q", "origin", "main")
    (repo / "app" / "extra.py").write_text("from typing import List\n\nNAMES: List[str] = []\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "extra")
    git(repo, "push", "-q", "origin", "main")
    _, second = run_upgrade(tmp_path)
    assert second.states == {"MERGED": 1}
    assert envs(tmp_path) == [env] and (env / MARKER).stat().st_mtime_ns == built_at
    cached = ensure_environment(repo, find_interpreter("3.12"), tmp_path / "envs", str(repo))
    assert (cached.built, cached.python_path, cached.error) == (
        False,
        str(env / "bin" / "python"),
        None,
    )
    # `python` names the interpreter: no environment, so the undeclared import fails... in
    # globallm's own venv, where inflection is missing; the gate holds the change
    git(repo, "pull", "-q", "origin", "main")
    (repo / "app" / "more.py").write_text("from typing import Dict\n\nMAP: Dict[str, str] = {}\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "more")
    git(repo, "push", "-q", "origin", "main")
    _, third = run_upgrade(tmp_path, python=sys.executable)
    assert third.states == {"BLOCKED": 1} and envs(tmp_path) == [env]
