"""`globallm triage` and `globallm prioritize --issues`, in-process through typer's runner,
on issues landed in a real DuckDB file and a real dbt build."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from flows.cli.main import app
from tests.flows.test_triage import issue, land

runner = CliRunner()

QUEUE_FIELDS = {"rank", "url", "repo", "title", "priority", "health", "impact", "solvability",
                "urgency", "redundancy", "category", "complexity", "risk", "decision"}  # fmt: skip


def test_triage_then_prioritize_issues_ranks_the_work_queue(prefect_server, tmp_path):
    db = tmp_path / "w.duckdb"
    land(
        db,
        [
            issue(1, "Crash on start", "Traceback (most recent call last):\nValueError", []),
            issue(2, "XSS in the search page", "A script in the query runs in the page.", []),
            issue(3, "Fix a typo in the README", "`README.md` says teh.", ["docs"]),
        ],
    )
    ran = runner.invoke(app, ["--db", str(db), "triage"])
    assert ran.exit_code == 0, ran.output
    assert "heuristic triage" in ran.output and "triaged 3 of 3 open issues" in ran.output
    again = runner.invoke(app, ["--db", str(db), "triage", "--no-rank"])
    assert "triaged 0 of 3" in again.output  # nothing changed: nothing triaged twice

    listed = runner.invoke(app, ["--db", str(db), "prioritize", "--issues", "--format", "json"])
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.output)
    assert [r["rank"] for r in rows] == [1, 2, 3] and set(rows[0]) >= QUEUE_FIELDS
    by_title = {r["title"]: r for r in rows}
    assert by_title["XSS in the search page"]["decision"] == "never"  # security: a person's
    assert by_title["Fix a typo in the README"]["category"] == "docs"
    table = runner.invoke(app, ["--db", str(db), "prioritize", "--issues"])
    assert "Top 20 open issues" in table.output and "Crash on start" in table.output


def test_triage_without_issues_says_which_command_fills_them(tmp_path):
    ran = runner.invoke(app, ["--db", str(tmp_path / "none.duckdb"), "triage"])
    assert ran.exit_code == 1 and "globallm issues --repo OWNER/NAME" in ran.output
    bad = runner.invoke(app, ["--db", str(tmp_path / "none.duckdb"), "triage", "--method", "x"])
    assert bad.exit_code == 2 and "--method must be one of" in bad.output
    queue = runner.invoke(app, ["--db", str(tmp_path / "none.duckdb"), "prioritize", "--issues"])
    assert queue.exit_code == 1 and "Traceback" not in queue.output
