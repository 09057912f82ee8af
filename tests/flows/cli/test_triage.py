"""`globallm triage` and `globallm prioritize --issues`, in-process through typer's runner,
on issues landed in a real DuckDB file and a real dbt build."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from flows.cli.main import app
from tests.fakes.openai_server import ScriptedServer
from tests.flows.test_triage import issue, land
from tests.flows.test_triage_llm import MALFORMED, OPEN, verdict

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
    args = ["--db", str(tmp_path / "none.duckdb"), "triage", "--embeddings", "yes"]
    unknown = runner.invoke(app, args)
    assert (
        unknown.exit_code == 2 and "--embeddings must be one of auto, minilm, off" in unknown.output
    )
    queue = runner.invoke(app, ["--db", str(tmp_path / "none.duckdb"), "prioritize", "--issues"])
    assert queue.exit_code == 1 and "Traceback" not in queue.output


def test_triage_by_llm_prints_its_requests_and_what_fell_back(
    prefect_server, tmp_path, monkeypatch
):
    db = tmp_path / "w.duckdb"
    land(db, OPEN)
    with ScriptedServer() as server:
        monkeypatch.setenv("GLOBALLM_LLM_BASE_URL", server.base_url)  # a local model: no key
        monkeypatch.setenv("GLOBALLM_LLM__MODEL", "local-model")
        monkeypatch.setenv("GLOBALLM_LLM__MAX_RETRIES", "0")
        monkeypatch.setenv("GLOBALLM_LLM__REQUESTS_PER_MINUTE", "6000")
        server.script(verdict("bug", 3), verdict("feature", 5), MALFORMED)
        ran = runner.invoke(app, ["--db", str(db), "triage", "--method", "LLM", "--no-rank"])
        assert ran.exit_code == 0, ran.output
        assert "LLM triage by local-model" in ran.output
        assert "LLM: 3 request(s), 1,650 tokens" in ran.output
        assert "1 issue(s) fell back to the heuristic: malformed LLM answer" in ran.output
        assert "triaged 3 of 3 open issues (llm;" in ran.output
        again = runner.invoke(app, ["--db", str(db), "triage", "--no-rank"])  # auto: the LLM
        assert again.exit_code == 0, again.output
        assert "(1 answered from the cache)" in again.output and len(server.requests) == 3


def test_the_llm_method_without_an_llm_is_one_line(tmp_path):
    db = tmp_path / "w.duckdb"
    land(db, [issue(1, "Crash on start", "Traceback", [])])
    ran = runner.invoke(app, ["--db", str(db), "triage", "--method", "llm"])
    assert ran.exit_code == 1 and "Traceback" not in ran.output
    assert ran.output.strip().startswith("no LLM configured: set llm.base_url")
    assert len(ran.output.strip().splitlines()) == 1
