"""The `globallm` command line, driven in-process through typer's runner."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from flows.cli.main import app

runner = CliRunner()


@pytest.fixture(scope="module")
def built_db(prefect_server, module_workspace, tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("cli") / "w.duckdb"
    result = runner.invoke(
        app,
        ["--db", str(db), "run", "--path", str(module_workspace), "--no-environment", "--top", "3"],
    )
    assert result.exit_code == 0, result.output
    assert "Top 3 by priority" in result.output
    assert "repositories 4" in result.output
    assert str(db.resolve()) in result.output.replace("\n", "")
    return db


def test_prioritize_json_has_the_documented_fields(built_db: Path):
    result = runner.invoke(app, ["--db", str(built_db), "prioritize", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    # 4 repositories and 8 packages their manifests name (acme-core is the core repository)
    assert len(rows) == 12
    assert {"name", "kind", "priority", "health", "impact"} <= set(rows[0])
    assert {r["kind"] for r in rows} == {"repo", "package"}
    assert [r["rank"] for r in rows] == sorted(r["rank"] for r in rows)


def test_prioritize_csv_and_top(built_db: Path):
    result = runner.invoke(
        app, ["--db", str(built_db), "prioritize", "--format", "csv", "--top", "2"]
    )
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert result.exit_code == 0 and len(rows) == 2 and rows[0]["rank"] == "1"


def test_db_comes_from_the_environment_too(built_db: Path, monkeypatch):
    monkeypatch.setenv("GLOBALLM_DB", str(built_db))
    result = runner.invoke(app, ["sql", "SELECT count(*) AS n FROM dim_repos", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == [{"n": 4}]


def test_sql_write_is_refused_with_exit_code_2(built_db: Path):
    result = runner.invoke(app, ["--db", str(built_db), "sql", "DELETE FROM dim_repos"])
    assert result.exit_code == 2
    assert "refused" in result.output
    check = runner.invoke(
        app, ["--db", str(built_db), "sql", "SELECT count(*) FROM dim_repos", "--format", "csv"]
    )
    assert check.output.splitlines()[1] == "4"


def test_sql_error_is_a_message_not_a_traceback(built_db: Path):
    result = runner.invoke(app, ["--db", str(built_db), "sql", "SELECT * FROM no_such_table"])
    assert result.exit_code == 1
    assert "no_such_table" in result.output and "Traceback" not in result.output


def test_prioritize_without_a_warehouse_says_how_to_fill_it(tmp_path: Path):
    result = runner.invoke(app, ["--db", str(tmp_path / "none.duckdb"), "prioritize"])
    assert result.exit_code == 1
    assert "globallm run" in result.output


def test_config_set_then_show():
    result = runner.invoke(app, ["config", "--set", "filter.min_stars=2000"])
    assert result.exit_code == 0, result.output
    assert yaml.safe_load(Path("globallm.yaml").read_text()) == {"filter": {"min_stars": 2000}}
    shown = runner.invoke(app, ["config", "--show"])
    line = next(line for line in shown.output.splitlines() if "filter.min_stars" in line)
    assert "2000" in line and "globallm.yaml" in line


def test_config_set_rejects_unknown_key_and_bad_value():
    Path("globallm.yaml").write_text("top: 4\n")
    for assignment in ["filter.min_starz=1", "filter.min_stars=many"]:
        result = runner.invoke(app, ["config", "--set", assignment])
        assert result.exit_code == 2
        assert "not set" in result.output
    assert Path("globallm.yaml").read_text() == "top: 4\n"


def test_run_rejects_a_path_that_is_not_a_folder(tmp_path: Path):
    result = runner.invoke(app, ["--db", str(tmp_path / "w.duckdb"), "run", "--path", "nope"])
    assert result.exit_code == 2 and "not a folder" in result.output


def test_an_embedded_prefect_server_that_cannot_start_is_one_line_not_a_traceback(tmp_path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env |= {"PREFECT_HOME": str(tmp_path / "prefect"), "GLOBALLM_LLM_BASE_URL": ""}
    env["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] = "1"  # a new home migrates: > 1 s
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "a.py").write_text("x = 1\n")
    done = subprocess.run(
        [
            *(sys.executable, "-m", "flows.cli.main", "--db", str(tmp_path / "w.duckdb"), "fix"),
            *("--issue-url", "https://example.test/i/1", "--title", "t", "--file", "a.py"),
            *("--path", str(repo)),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "the embedded Prefect server did not start within 1 s" in output
    assert "Traceback" not in output and "RuntimeError" not in output


def test_the_terminal_gets_prefect_errors_without_their_traceback(monkeypatch):
    import logging
    import sys

    from flows.cli.main import _TracebackInTheRunOnly

    monkeypatch.delenv("PREFECT_LOGGING_LEVEL", raising=False)
    console = [
        h for h in logging.getLogger().handlers if type(h).__name__ == "PrefectConsoleHandler"
    ]
    assert console and any(isinstance(f, _TracebackInTheRunOnly) for f in console[0].filters)
    try:
        raise RuntimeError("remote said no")
    except RuntimeError:
        record = logging.LogRecord(
            "prefect.task_runs", logging.ERROR, __file__, 1, "Task run failed", None, sys.exc_info()
        )
    record.task_run_name = record.task_name = "merge-branch"  # what Prefect's adapter adds
    assert console[0].format(record).count("Traceback") == 1
    _TracebackInTheRunOnly().filter(record)
    assert console[0].format(record).count("Traceback") == 0
    assert "Task run failed" in console[0].format(record)
