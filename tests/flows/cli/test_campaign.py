"""`globallm campaign`, `runs`, `revert` and `fix` on the command line."""

from __future__ import annotations

import csv
import io
import json
import sys

import pytest
from typer.testing import CliRunner

from flows.cli.main import app
from tests.campaign_repos import make_campaign_repo
from warehouse.io import store

runner = CliRunner()


@pytest.fixture(scope="module")
def campaign(prefect_server, tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("cli-campaign")
    make_campaign_repo(root, "alpha")
    db = root / "w.duckdb"
    base = ["--db", str(db), "campaign"]
    planned = runner.invoke(
        app,
        [
            *base,
            "plan",
            "--recipe",
            "upgrade-python",
            "--target-version",
            "3.12",
            "--path",
            str(root / "work"),
        ],
    )
    assert planned.exit_code == 0, planned.output
    ran = runner.invoke(
        app,
        [
            *base,
            "run",
            "--recipe",
            "rename-api",
            "--old",
            "acme_http.legacy_fetch",
            "--new=acme_http.fetch",
            "--path",
            str(root / "work"),
            "--dry-run",
        ],
    )
    assert ran.exit_code == 0, ran.output
    return {"db": db, "root": root, "plan_output": planned.output, "run_output": ran.output}


def cli(campaign: dict, *args: str):
    return runner.invoke(app, ["--db", str(campaign["db"]), *args])


def test_plan_reports_its_counts_and_plan_file(campaign):
    out = campaign["plan_output"].replace("\n", "")
    assert "2 files to change in 1 repositories, 0 failed to plan" in out
    assert "plan.json" in out


def test_dry_run_reports_states(campaign):
    assert "UNPUBLISHED 2" in campaign["run_output"]  # app/ and tests/ batched apart


def test_recipes_are_listed_with_their_options():
    result = runner.invoke(app, ["campaign", "recipes"])
    assert result.exit_code == 0
    for name in ("upgrade-python", "rename-api", "llm-patch"):
        assert name in result.output
    assert "--target-version" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--recipe", "nope"], "no recipe 'nope'; installed recipes: llm-patch"),
        (["--recipe", "upgrade-python", "--target-version", "2.7"], "invalid options"),
        (["--recipe", "rename-api", "--old", "x"], "invalid options"),
        (["--recipe", "upgrade-python", "stray"], "unexpected argument 'stray'"),
    ],
)
def test_bad_recipe_or_options_exit_2(args, message, tmp_path):
    result = runner.invoke(app, ["--db", str(tmp_path / "w.duckdb"), "campaign", "plan", *args])
    assert result.exit_code == 2
    assert message in result.output.replace("\n", "")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--python", "/usr/bin/python3", "--test-python", "3.12"],
            "--python names the one interpreter: give it or --test-python, not both",
        ),
        (["--test-python", "python3.12"], "--test-python takes a version such as 3.12"),
    ],
)
def test_test_python_usage_errors_exit_2(args, message, tmp_path):
    argv = ["--db", str(tmp_path / "w.duckdb"), "campaign", "run", "--recipe", "upgrade-python"]
    result = runner.invoke(app, [*argv, *args, "--target-version", "3.12", "-p", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert message in result.output.replace("\n", "") and "Traceback" not in result.output
    assert not (tmp_path / "w.duckdb").exists()  # refused before any run started


def test_test_python_is_documented_in_the_help():
    result = runner.invoke(app, ["campaign", "run", "--help"], terminal_width=200)
    assert "--test-python" in result.output and "VERSION" in result.output


def test_runs_list_show_export_and_compare(campaign):
    listed = cli(campaign, "runs", "list")
    assert listed.exit_code == 0
    assert "campaign-plan" in listed.output and "campaign" in listed.output
    exported = json.loads(
        cli(campaign, "runs", "export", _run_id(campaign, "campaign"), "--format", "json").output
    )
    assert {r["file_path"] for r in exported} == {
        "app/client.py",
        "app/core.py",
        "tests/test_app.py",
    }
    assert {r["change_state"] for r in exported} == {"UNPUBLISHED"}
    as_csv = cli(campaign, "runs", "export", _run_id(campaign, "campaign"), "--format", "csv")
    header = next(csv.reader(io.StringIO(as_csv.output)))
    assert {"repo", "file_path", "gate_reasons", "tests_after"} <= set(header)
    shown = cli(campaign, "runs", "show", _run_id(campaign, "campaign")[:8])
    assert shown.exit_code == 0 and "UNPUBLISHED" in shown.output
    compared = cli(
        campaign,
        "runs",
        "compare",
        _run_id(campaign, "campaign-plan"),
        _run_id(campaign, "campaign"),
        "--format",
        "json",
    )
    assert compared.exit_code == 0, compared.output
    rows = {r["file"]: (r["first"], r["second"]) for r in json.loads(compared.output)}
    assert rows["tests/test_app.py"] == (None, "UNPUBLISHED")
    assert rows["app/core.py"] == ("PLANNED", "UNPUBLISHED")


def test_unknown_run_and_unmerged_revert_fail_clearly(campaign):
    missing = cli(campaign, "runs", "show", "zzzz")
    assert missing.exit_code == 1 and "no run with an id starting 'zzzz'" in missing.output
    change = json.loads(
        cli(campaign, "runs", "export", _run_id(campaign, "campaign"), "--format", "json").output
    )[0]["change_id"]
    refused = cli(campaign, "revert", change[:8])
    assert refused.exit_code == 2 and "only a merged change can be reverted" in refused.output


def test_fix_without_an_llm_says_it_was_skipped(campaign, no_llm):
    result = cli(
        campaign,
        "fix",
        "--issue-url",
        "https://example.test/i/1",
        "--title",
        "t",
        "--file",
        "app/core.py",
        "--path",
        str(campaign["root"] / "work" / "alpha"),
    )
    assert result.exit_code == 0, result.output
    assert "no LLM configured: the llm-patch step was skipped" in result.output
    assert "1 skipped" in result.output


def _run_id(campaign: dict, kind: str) -> str:
    listed = cli(
        campaign,
        "sql",
        f"SELECT run_id FROM ledger_runs WHERE kind = '{kind}'"
        " AND parent_run_id IS NULL ORDER BY created_at LIMIT 1",
        "--format",
        "json",
    )
    return json.loads(listed.output)[0]["run_id"]


def test_fix_reads_the_issue_from_github_and_edits_the_files_it_names(
    campaign, no_llm, monkeypatch
):
    from tests.fakes.github_server import GitHubServer

    token = "ghp_fixissuetoken0000000000000000000000"  # pragma: allowlist secret
    with GitHubServer(token) as fake:
        fake.add_repo("acme", "alpha")
        fake.add_issue(
            "acme",
            "alpha",
            7,
            "legacy_fetch is deprecated",
            "Please stop calling it in app/client.py.",
        )
        monkeypatch.setenv("GITHUB_TOKEN", token)
        monkeypatch.setenv("GITHUB_API_URL", fake.base_url)
        url = "https://github.com/acme/alpha/issues/7"
        result = cli(
            campaign, "fix", "--issue-url", url, "--path", str(campaign["root"] / "work" / "alpha")
        )
        assert [s.path for s in fake.requests] == ["/repos/acme/alpha/issues/7"]
    assert result.exit_code == 0, result.output
    assert "1 skipped" in result.output
    items = json.loads(
        cli(
            campaign,
            "sql",
            f"SELECT file_path, source FROM ledger_plan_items WHERE source = '{url}'",
            "--format",
            "json",
        ).output
    )
    assert items == [{"file_path": "app/client.py", "source": url}]


def test_fix_without_title_or_token_says_what_to_give(campaign, monkeypatch):
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    result = cli(
        campaign,
        "fix",
        "--issue-url",
        "https://github.com/acme/alpha/issues/7",
        "--path",
        str(campaign["root"] / "work" / "alpha"),
    )
    assert result.exit_code == 2
    assert "needs GITHUB_TOKEN" in result.output and "--title" in result.output


def test_run_without_environments_builds_none_and_verifies_with_our_python(
    prefect_server, tmp_path
):
    # a declared test dependency: with environments on, this repository would get one built
    declared = {"requirements-test.txt": "inflection==0.5.1\n"}
    make_campaign_repo(tmp_path, "solo", extra_files=declared)
    db = tmp_path / "w.duckdb"
    ran = runner.invoke(
        app,
        [
            "--db", str(db), "campaign", "run", "--recipe", "rename-api",
            "--old", "acme_http.legacy_fetch", "--new=acme_http.fetch",
            "--path", str(tmp_path / "work"), "--no-environments", "--dry-run",
        ],
    )  # fmt: skip
    assert ran.exit_code == 0, ran.output
    assert "UNPUBLISHED" in ran.output
    envs = tmp_path / "envs"  # where environments go: beside the database
    assert not envs.exists() or list(envs.iterdir()) == []
    with store.connect(db, read_only=True) as con:
        pythons = con.execute("SELECT DISTINCT python FROM ledger_verifications").fetchall()
    assert pythons == [(sys.executable,)]
