"""`test_pythons`: each target's suite under several interpreters, each in its own environment
with its own baseline; real uv, real interpreters of this machine, real suites in the sandbox."""

from __future__ import annotations

import json

import pytest

from tasks.campaign.environments import locate_interpreter
from tests.campaign_repos import make_campaign_repo, remote_file, rows, run_upgrade
from warehouse.readers.run_queries import run_report_rows

# Under 3.12 this pins the old spelling: the upgrade breaks it there and only there.
BREAKS_ON_312 = """\
import inspect
import sys

from app import core


def test_old_spelling_on_312():
    if sys.version_info >= (3, 12):
        assert "Optional[str]" in inspect.getsource(core.Store.load)
"""
# Fails under 3.12 before the change as after it: pre-existing there, never the change's.
FAILS_ON_312 = """\
import sys


def test_before_312():
    assert sys.version_info < (3, 12)
"""


def test_a_change_breaking_only_312_is_blocked_and_names_it(prefect_server, tmp_path):
    if locate_interpreter("3.11") is None or locate_interpreter("3.12") is None:
        pytest.skip("needs Python 3.11 and 3.12 on this machine")
    good = make_campaign_repo(tmp_path, "alpha", extra_files={"tests/test_old.py": FAILS_ON_312})
    make_campaign_repo(tmp_path, "beta", extra_files={"tests/test_style.py": BREAKS_ON_312})
    db, summary = run_upgrade(tmp_path, test_pythons=["3.11", "3.12"])
    assert summary.states == {"MERGED": 1, "BLOCKED": 1}
    assert "-> str | None:" in remote_file(good, "main", "app/core.py")
    (blocked,) = rows(db, "SELECT gate_reasons FROM ledger_changes WHERE state = 'BLOCKED'")
    assert blocked[0] == [
        "tests fail after the change: tests/test_style.py::test_old_spelling_on_312 (3.12)"
    ]
    joined = "SELECT c.repo, v FROM ledger_changes c JOIN ledger_verifications v USING (change_id)"
    verified = dict(rows(db, joined))
    alpha = next(v for repo, v in verified.items() if repo.endswith("alpha"))
    beta = next(v for repo, v in verified.items() if repo.endswith("beta"))
    assert alpha["preexisting_failures"] == ["tests/test_old.py::test_before_312 (3.12)"]
    assert alpha["new_failures"] == [] and beta["passed_after"] == 3  # 3.12's run: 3 of 4
    each = json.loads(beta["pythons"])
    assert [p["version"][:5] for p in each] == ["3.11.", "3.12."]
    assert [p["passed_after"] for p in each] == [4, 3] and each[0]["new_failures"] == []
    assert beta["python"] == ", ".join(p["python"] for p in each)
    assert all("/envs/" in p["python"] for p in each)  # each interpreter's own environment
    assert len({p["python"] for p in each}) == 2
    (body,) = rows(db, "SELECT pr_body FROM ledger_changes WHERE state = 'BLOCKED'")
    assert f"| {each[1]['version']} before | {each[1]['version']} after |" in body[0]
    _, report_rows, _ = run_report_rows(db, summary.run_id)
    (row,) = [r for r in report_rows if r["state"] == "BLOCKED"]
    assert row["new_failures"] == ["tests/test_style.py::test_old_spelling_on_312 (3.12)"]


def test_a_version_the_machine_lacks_blocks_every_change(prefect_server, tmp_path):
    make_campaign_repo(tmp_path, "alpha")
    db, summary = run_upgrade(tmp_path, test_pythons=["3.11", "2.99"])
    assert summary.states == {"BLOCKED": 1}
    assert rows(db, "SELECT gate_reasons FROM ledger_changes") == [
        (["environment: no Python 2.99 on this machine"],)
    ]
    assert rows(db, "SELECT count(*) FROM ledger_verifications") == [(0,)]
    assert not (tmp_path / "envs").exists()  # nothing built, nothing tested elsewhere
