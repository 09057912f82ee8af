"""`globallm solve` and `run --solve N`, in-process through typer's runner on a real DuckDB
file; the pipeline's own LLM path is tests/flows/test_solve.py's."""

from __future__ import annotations

from typer.testing import CliRunner

from flows.cli.main import app
from tests.flows.test_triage import issue, land

runner = CliRunner()


def test_solve_without_a_work_queue_names_the_command_that_fills_it(tmp_path):
    ran = runner.invoke(app, ["--db", str(tmp_path / "none.duckdb"), "solve"])
    assert ran.exit_code == 1 and "globallm issues --repo OWNER/NAME" in ran.output
    assert "Traceback" not in ran.output
    bad = runner.invoke(app, ["--db", str(tmp_path / "none.duckdb"), "solve", "--provider", "x"])
    assert bad.exit_code == 2 and "--provider takes local or github" in bad.output


def test_solve_without_an_llm_skips_each_issue_in_one_clear_line(
    prefect_server, tmp_path, monkeypatch
):
    for name in ("GLOBALLM_LLM_API_KEY", "OPENAI_API_KEY", "GLOBALLM_LLM_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    db = tmp_path / "w.duckdb"
    land(
        db,
        [
            issue(1, "Crash on start", "Traceback (most recent call last):\nValueError", []),
            issue(2, "XSS in the search page", "A script in the query runs in the page.", []),
            issue(3, "Fix a typo in the README", "`README.md` says teh.", ["docs"]),
        ],
    )
    assert runner.invoke(app, ["--db", str(db), "triage"]).exit_code == 0
    ran = runner.invoke(app, ["--db", str(db), "solve", "--top", "5"])
    assert ran.exit_code == 0, ran.output
    assert ran.output.count("no LLM configured") == 1  # said once, not once per issue
    assert "2 issues · 0 attempted, 2 skipped" in ran.output  # the security one is never tried
    assert "1 issue(s) in range are never automated" in ran.output
    assert "Traceback" not in ran.output


def test_run_then_solve_ends_the_pipeline_with_a_solve(prefect_server, tmp_path, monkeypatch):
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    empty = tmp_path / "empty"
    empty.mkdir()
    db = tmp_path / "w.duckdb"
    args = ["--db", str(db), "run", "--path", str(empty), "--no-environment", "--solve", "2"]
    ran = runner.invoke(app, args)
    assert ran.exit_code == 0, ran.output
    assert "0 issues · 0 attempted, 0 skipped, 0 failed" in ran.output  # offline: no issue
    assert "Traceback" not in ran.output
