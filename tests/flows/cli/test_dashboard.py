"""`globallm status` against a warehouse real flows wrote, and `globallm app` as a real server."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from flows.cli.dashboard import FIGURE_LABELS, app_script
from flows.cli.main import app
from warehouse.io import snapshot, store
from warehouse.readers import queries

runner = CliRunner()


@pytest.fixture(scope="module")
def figures(app_warehouse) -> dict[str, int]:
    with snapshot.connect_reader(app_warehouse.db) as con:
        return queries.overview_figures(con)


def status(db: Path, *args: str):
    return runner.invoke(app, ["--db", str(db), "status", *args])


def test_status_prints_the_overview_figures_of_the_warehouse(app_warehouse, figures):
    result = status(app_warehouse.db)
    assert result.exit_code == 0, result.output
    shown = {}
    for line in result.output.splitlines():
        for key, label in FIGURE_LABELS.items():
            match = re.search(rf"│ {re.escape(label)}\s+│\s+([\d,]+)", line)
            if match:
                shown[key] = int(match.group(1).replace(",", ""))
    assert shown == figures
    assert (shown["issues"], shown["prs_merged"], shown["prs_blocked"]) == (3, 2, 1)
    assert "1,500 of 5,000,000 (0.03 %)" in result.output
    assert app_warehouse.campaign_run_id[:8] in result.output
    assert app_warehouse.pipeline_run_id[:8] in result.output


def test_status_json_has_the_figures_and_the_last_top_level_runs(app_warehouse, figures):
    result = status(app_warehouse.db, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["figures"] == figures
    assert data["weekly_token_budget"] == 5_000_000
    runs = data["last_runs"]
    assert [r["run_id"] for r in runs][:2] == [
        app_warehouse.campaign_run_id,
        app_warehouse.pipeline_run_id,
    ]
    assert [r["kind"] for r in runs] == ["campaign", "pipeline", "triage"]  # the fixture's first
    campaign = runs[0]
    assert (campaign["kind"], campaign["recipe"], campaign["status"]) == (
        "campaign",
        "upgrade-python",
        "COMPLETED",
    )
    assert campaign["duration_s"] > 0


def test_status_dashboard_shows_figures_runs_and_top_priorities(app_warehouse, figures):
    result = status(app_warehouse.db, "--dashboard")
    assert result.exit_code == 0, result.output
    top = queries.top_priorities(app_warehouse.db, 10)
    for title in ("Figures", "Runs", "Priorities", "Top 10 by priority"):
        assert title in result.output
    for name in top["name"]:
        assert f" {name} " in result.output
    assert re.search(r"Open issues\s+│\s+3 ", result.output)
    assert app_warehouse.campaign_run_id[:8] in result.output


def test_status_without_a_warehouse_says_how_to_fill_it(tmp_path: Path):
    missing = tmp_path / "none.duckdb"
    result = status(missing)
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0
    assert "globallm run" in result.output
    assert not missing.exists()


def test_status_of_an_empty_warehouse_says_how_to_fill_it(tmp_path: Path):
    empty = tmp_path / "empty.duckdb"
    with store.connect(empty):
        pass  # the raw and ledger tables, no run and no marts
    result = status(empty, "--dashboard")
    assert result.exit_code == 1
    assert "is empty: run `globallm run`" in result.output


def test_status_watch_redraws_until_ctrl_c(app_warehouse):
    """In a terminal (a pty here) the dashboard is drawn again every --every seconds."""
    leader, follower = pty.openpty()
    process = globallm(
        "--db", str(app_warehouse.db), "status", "--dashboard", "--watch", "--every", "0.5",
        stdin=follower, stdout=follower, stderr=follower,
    )  # fmt: skip
    os.close(follower)
    seen = b""
    deadline = time.monotonic() + 60
    try:
        while seen.count(b"Top 10 by priority") < 3 and time.monotonic() < deadline:
            if select.select([leader], [], [], 0.5)[0]:
                seen += os.read(leader, 65536)
        assert seen.count(b"Top 10 by priority") >= 3, seen.decode(errors="replace")[-2000:]
        os.killpg(process.pid, signal.SIGINT)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        os.close(leader)
    assert b"Traceback" not in seen


def test_app_script_is_the_repository_app():
    script = app_script()
    assert script.name == "app.py"
    assert (script.parent / "app_pages" / "overview.py").is_file()
    assert "st.navigation" in script.read_text()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def globallm(*args: str, **popen: Any) -> subprocess.Popen:
    """The installed `globallm` console script in a new session (as a terminal would run it)."""
    script = Path(sys.executable).with_name("globallm")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "flows.cli.main"]
    options: dict[str, Any] = {"stdout": subprocess.PIPE, "stderr": subprocess.STDOUT, "text": True}
    return subprocess.Popen(
        [*command, *args],
        start_new_session=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("GLOBALLM_")},
        **{**options, **popen},
    )


def wait_healthy(port: int, process: subprocess.Popen, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()[0]
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                if r.read() == b"ok":
                    return
        except OSError:
            time.sleep(0.2)
    process.kill()
    pytest.fail(f"no healthy app on port {port} within {timeout_s} s")


@pytest.mark.parametrize("ctrl_c", ["terminal", "parent only"])
def test_app_serves_and_ctrl_c_stops_it_cleanly(tmp_path: Path, ctrl_c: str):
    port = free_port()
    db = tmp_path / "w.duckdb"
    process = globallm("--db", str(db), "app", "--port", str(port), cwd=tmp_path)
    try:
        wait_healthy(port, process)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as page:
            assert page.status == 200
        if ctrl_c == "terminal":
            os.killpg(process.pid, signal.SIGINT)  # a terminal's Ctrl-C reaches the group
        else:
            process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 0, output
    assert f"http://localhost:{port}" in output
    assert str(db) in output
    assert "Traceback" not in output
    assert "external IP" not in output  # offline: Streamlit asked no web service for it
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0, "the server outlived the command"


def test_app_passes_streamlits_exit_code_through(tmp_path: Path):
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = globallm("app", "--port", str(port), cwd=tmp_path)
        output, _ = process.communicate(timeout=60)
    assert process.returncode == 1
    assert f"Port {port} is not available" in output
