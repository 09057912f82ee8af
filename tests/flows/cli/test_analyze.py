"""`globallm analyze --repo OWNER/NAME`, in-process through typer's runner, on the session's app
warehouse (real flows, a real dbt build: tests/app_warehouse.py) read-only, or on a copy of its
published snapshot with changes landed in the ledger."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from flows.cli.main import app
from scoring.budget import week_start
from tests.app_warehouse import NOW
from warehouse.io import snapshot, store

runner = CliRunner()

HEALTH = ["velocity", "diversity", "recency", "tests", "ci", "resolution", "health"]
IMPACT = ["pagerank", "dependents", "downstream_reach", "impact"]
ISSUE_TITLES = ["Crash when the proxy is unset", "Token leaks into logs", "Support HTTP/3"]


def analyze(db: Path, *args: str):
    return runner.invoke(app, ["--db", str(db), "analyze", *args], terminal_width=200)


def _copy(app_warehouse, tmp_path: Path) -> Path:
    """A private warehouse: the app warehouse's published snapshot, copied (it has no WAL)."""
    db = tmp_path / "w.duckdb"
    shutil.copyfile(snapshot.latest(app_warehouse.db), db)
    return db


def _change(change_id: str, state: str, repo: str, **values) -> dict:
    return {
        "change_id": change_id,
        "run_id": "fix-run",
        "repo": repo,
        "branch": f"globallm/{change_id}",
        "state": state,
        "pr_url": None,
        "merged": False,
        "reverted": False,
        "created_at": store.now(),
        **values,
    }


def _plan_item(change_id: str, source: str) -> dict:
    return {
        "plan_item_id": f"item-{change_id}",
        "run_id": "fix-run",
        "repo": "/tmp/worktree",
        "file_path": "src/acme_core/__init__.py",
        "action": "modify",
        "source": source,
        "recipe": "llm-patch",
        "status": "WAITING",
        "change_id": change_id,
        "created_at": store.now(),
    }


def test_the_table_shows_the_components_issues_budget_and_no_open_change(app_warehouse):
    result = analyze(app_warehouse.db, "--repo", "Acme/Core")
    assert result.exit_code == 0, result.output
    header = result.output.splitlines()[0]
    assert header.startswith("acme/core (github, github:acme/core) · health ")
    assert "· impact " in header and "priority rank " in header
    assert "https://github.com/acme/core" in result.output
    assert "Health and impact" in result.output
    cells = [[c.strip() for c in line.split("│")[1:-1]] for line in result.output.splitlines()]
    components = {row[1]: row[0] for row in cells if len(row) == 3}
    assert {name: components.get(name) for name in HEALTH} == dict.fromkeys(HEALTH, "health")
    assert {name: components.get(name) for name in IMPACT} == dict.fromkeys(IMPACT, "impact")
    assert "Top 3 of 3 open issues" in result.output
    for title in ISSUE_TITLES:
        assert title in result.output
    assert "heuristic" in result.output  # the triage method of each issue
    if week_start(store.now()) <= NOW:  # the LLM calls landed this week (the session's start)
        assert "Budget this week" in result.output
        assert any(row[:3] == ["repository", "acme/core", "tokens"] for row in cells)
    assert "no open change" in result.output


def test_json_has_every_part_and_top_limits_the_issues(app_warehouse):
    result = analyze(app_warehouse.db, "--repo", "acme/core", "--format", "json", "--top", "2")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert set(out) >= {"repo", "scores", "issues", "budget", "changes"}
    assert out["repo"]["repo_id"] == "github:acme/core" and out["repo"]["source"] == "github"
    assert [Path(p).name for p in out["repo"]["checkouts"]] == ["core"]  # the local checkout
    assert out["repo"]["priority"]["rank"] >= 1
    assert set(out["scores"]) >= {*HEALTH, *IMPACT}
    assert "entity_id" not in out["scores"]
    assert out["open_issues"] == 3 and len(out["issues"]) == 2
    assert [i["rank"] for i in out["issues"]] == sorted(i["rank"] for i in out["issues"])
    first = out["issues"][0]
    assert first["repo"] == "acme/core" and first["url"].startswith("https://github.com/acme/core")
    assert {"priority", "decision", "triage_method", "complexity", "risk"} <= set(first)
    assert all(row["name"] == "acme/core" for row in out["budget"])
    assert out["changes"] == []


def test_csv_is_the_issues(app_warehouse):
    result = analyze(app_warehouse.db, "--repo", "https://github.com/acme/core.git", "--format",
                     "csv")  # fmt: skip
    assert result.exit_code == 0, result.output
    issues = list(csv.DictReader(io.StringIO(result.output)))
    assert sorted(i["title"] for i in issues) == sorted(ISSUE_TITLES)
    assert {"rank", "url", "priority", "decision"} <= set(issues[0])


def test_an_unknown_repository_is_one_line_and_exit_1(app_warehouse):
    result = analyze(app_warehouse.db, "--repo", "nobody/nothing")
    assert result.exit_code == 1
    assert result.output.startswith("no repository nobody/nothing in ")
    assert "`globallm issues --repo nobody/nothing` or `globallm discover`" in result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output


def test_no_warehouse_or_no_owner_name_says_so(tmp_path):
    missing = analyze(tmp_path / "none.duckdb", "--repo", "acme/core")
    assert missing.exit_code == 1 and "no warehouse at" in missing.output
    assert "globallm run" in missing.output and "Traceback" not in missing.output
    bad = analyze(tmp_path / "none.duckdb", "--repo", "acme")
    assert bad.exit_code == 2 and "OWNER/NAME" in bad.output
    young = tmp_path / "young.duckdb"
    with store.connect(young):  # the schema, no marts yet
        pass
    unbuilt = analyze(young, "--repo", "acme/core")
    assert unbuilt.exit_code == 1 and "no ranking yet in" in unbuilt.output
    assert "Traceback" not in unbuilt.output


def test_open_and_waiting_changes_by_remote_or_by_issue(app_warehouse, tmp_path):
    db = _copy(app_warehouse, tmp_path)
    with store.connect(db) as con:
        store.land(
            con,
            "ledger_changes",
            [
                _change("by-remote", "OPEN", "git@github.com:Acme/Core.git",
                        pr_url="https://github.com/acme/core/pull/7"),
                _change("by-name", "WAITING", "acme/core"),
                _change("by-issue", "WAITING", "/tmp/worktree"),
                _change("merged", "MERGED", "https://github.com/acme/core", merged=True),
                _change("elsewhere", "OPEN", "https://github.com/acme/other.git"),
                _change("other-issue", "OPEN", "/tmp/worktree"),
            ],
        )  # fmt: skip
        store.land(
            con,
            "ledger_plan_items",
            [
                _plan_item("by-issue", "https://github.com/acme/core/issues/3"),
                _plan_item("other-issue", "https://github.com/acme/other/issues/3"),
            ],
        )
    out = json.loads(analyze(db, "--repo", "acme/core", "--format", "json").output)
    changes = {c["change_id"]: c for c in out["changes"]}
    assert set(changes) == {"by-remote", "by-name", "by-issue"}
    assert changes["by-remote"]["pr_url"] == "https://github.com/acme/core/pull/7"
    assert changes["by-issue"]["issue"] == "https://github.com/acme/core/issues/3"
    table = analyze(db, "--repo", "acme/core")
    assert table.exit_code == 0, table.output
    assert "Open changes" in table.output and "globallm/by-remote" in table.output
    assert "no open change" not in table.output


def test_a_local_checkout_is_found_by_its_remote(app_warehouse, tmp_path):
    db = _copy(app_warehouse, tmp_path)
    with store.connect(db) as con:
        con.execute("DELETE FROM dim_repos WHERE source = 'github'")
    result = analyze(db, "--repo", "ACME/core", "--format", "json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["repo"]["source"] == "local" and out["repo"]["repo_id"].startswith("local:")
    assert out["repo"]["canonical_url"] == "https://github.com/acme/core"
    assert "tests" in out["scores"]


def test_help_says_what_csv_gives():
    result = runner.invoke(app, ["analyze", "--help"], terminal_width=200)
    assert result.exit_code == 0 and "the issues only" in " ".join(result.output.split())
