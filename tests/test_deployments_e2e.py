"""The operator's path against a real Prefect server, as README's "Operating it with Prefect".

`prefect server start`, `prefect work-pool create globallm --type process`, `prefect deploy
--all` from the repository root, `prefect deployment ls`, `prefect worker start --pool
globallm`, then a `pipeline-nightly` run on fixture repositories that must end COMPLETED with
fct_priority filled. Every command is the venv's own `prefect`, with this checkout on
PYTHONPATH so the worker's flow runs import its flows. (Prefect 3.8.8's server under fastapi
0.151 and later answers 422 to `deploy` and `deployment ls`: see the pin in pyproject.toml.)
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from tests.conftest import build_workspace
from warehouse.io import store

ROOT = Path(__file__).resolve().parents[1]
PREFECT = str(Path(sys.executable).parent / "prefect")
DEPLOYMENTS = [
    d["name"] for d in yaml.safe_load((ROOT / "prefect.yaml").read_text())["deployments"]
]
TERMINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (flow runs may sit in sessions of their own)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def signal_all(pids: list[int], sig: signal.Signals) -> None:
    for pid in pids:
        for kill in (os.killpg, os.kill):  # its session's group, then the process itself
            with contextlib.suppress(ProcessLookupError, PermissionError):
                kill(pid, sig)


class Processes:
    """Long-running commands, each in its own session, logged to a file; `stop` ends them all."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.started: list[tuple[subprocess.Popen, Path]] = []

    def start(
        self, name: str, args: list[str], env: dict[str, str]
    ) -> tuple[subprocess.Popen, Path]:
        log = self.logs / f"{name}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                args,
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self.started.append((proc, log))
        return proc, log

    def stop(self) -> list[int]:
        """SIGTERM to every started process and its descendants, SIGKILL after 20 s; the
        processes still alive after that (none, normally)."""
        pids = [p for proc, _ in self.started for p in (proc.pid, *descendants(proc.pid))]
        signal_all(pids, signal.SIGTERM)
        deadline = time.monotonic() + 20
        while any(alive(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(0.2)
        signal_all([p for p in pids if alive(p)], signal.SIGKILL)
        for proc, _ in self.started:
            proc.wait(timeout=10)
        time.sleep(0.5)
        return [p for p in pids if alive(p)]


def tail(log: Path, lines: int = 60) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def prefect(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    """One `prefect` command, run to the end (its whole session killed on timeout); its output,
    asserted exit code 0."""
    proc = subprocess.Popen(
        [PREFECT, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        pytest.fail(f"prefect {' '.join(args)} timed out after {timeout} s:\n{out}")
    assert proc.returncode == 0, f"prefect {' '.join(args)} exited {proc.returncode}:\n{out}"
    return out


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, dict[str, str], Processes]]:
    """A real `prefect server start` on a free loopback port; its API URL, the environment of
    every command (own PREFECT_HOME, no analytics, this checkout on PYTHONPATH) and the process
    list. Server, worker and flow-run processes are ended afterwards, pass or fail."""
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        PREFECT_HOME=str(tmp_path / "prefect-home"),
        PREFECT_API_URL=api,
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_SERVER_UI_ENABLED="false",
        # No scheduled runs: a test near 03:00 UTC must not start the nightly deployments.
        PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED="false",
        PREFECT_WORKER_QUERY_SECONDS="1",
        PWD=str(ROOT),  # prefect.yaml's pull step: the working directory is `{{ $PWD }}`
        PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p),
        COLUMNS="250",  # `prefect deployment ls` prints whole names
    )
    processes = Processes(tmp_path)
    try:
        server_proc, log = processes.start(
            "server", [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)], env
        )
        began = time.monotonic()
        deadline = began + 180  # about 15 s on an idle machine; far more when its cores are busy
        while True:
            try:
                if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server_proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"prefect server did not come up:\n{tail(log)}")
            time.sleep(0.5)
        print(f"prefect server up: {time.monotonic() - began:.0f} s")
        yield api, env, processes
    finally:
        left = processes.stop()
        assert not left, f"processes left running: {left}"
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", port)) != 0, f"port {port} still answers"


def test_deploy_all_then_a_worker_runs_the_nightly_pipeline(server, tmp_path: Path):
    api, env, processes = server
    workspace = build_workspace(tmp_path / "workspace")
    db = tmp_path / "warehouse" / "warehouse.duckdb"

    began = time.monotonic()
    prefect(env, "work-pool", "create", "globallm", "--type", "process")
    worker, worker_log = processes.start(
        "worker", [PREFECT, "worker", "start", "--pool", "globallm"], env
    )
    prefect(env, "--no-prompt", "deploy", "--all")
    print(f"work pool and deploy --all: {time.monotonic() - began:.0f} s")

    listed = prefect(env, "deployment", "ls")
    for name in DEPLOYMENTS:
        assert re.search(rf"/{re.escape(name)}\s", listed), f"{name} not listed:\n{listed}"
    served = httpx.post(f"{api}/deployments/filter", json={}, timeout=30).json()
    assert sorted(d["name"] for d in served) == sorted(DEPLOYMENTS)

    params = {
        "db_path": str(db),
        "params": {"paths": [str(workspace)], "crawl": {"include_environment": False}},
    }
    started = prefect(
        env, "deployment", "run", "pipeline/pipeline-nightly", "--params", json.dumps(params)
    )
    began = time.monotonic()
    state, run = wait_for(api, started, worker, worker_log)
    print(f"pipeline-nightly run: {time.monotonic() - began:.0f} s")
    assert state == "COMPLETED", f"flow run {state}:\n{tail(worker_log)}"
    assert run["parameters"]["db_path"] == str(db)

    with store.connect(db, read_only=True) as con:  # waits while the flow-run process exits
        repos = con.execute("SELECT name FROM fct_priority WHERE kind = 'repo'").fetchall()
    assert sorted(name for (name,) in repos) == ["app", "core", "legacy", "web"]

    # The nightly solve on that warehouse: no issue is crawled offline, so nothing to try, and
    # the run completes and is in the ledger.
    solve = {"db_path": str(db), "params": {"checkouts_dir": str(tmp_path / "checkouts")}}
    started = prefect(
        env, "deployment", "run", "solve/solve-nightly", "--params", json.dumps(solve)
    )
    state, run = wait_for(api, started, worker, worker_log)
    assert state == "COMPLETED", f"solve-nightly {state}:\n{tail(worker_log)}"
    with store.connect(db, read_only=True) as con:
        solved = con.execute(
            "SELECT status, summary->>'candidates' FROM ledger_runs WHERE kind = 'solve'"
        ).fetchall()
    assert solved == [("COMPLETED", "0")]


def wait_for(api: str, started: str, worker, worker_log) -> tuple[str | None, dict]:
    """The terminal state of the flow run `prefect deployment run` printed, and the run."""
    flow_run_id = re.search(r"UUID: ([0-9a-f-]{36})", started).group(1)
    deadline = time.monotonic() + 300
    while True:
        run = httpx.get(f"{api}/flow_runs/{flow_run_id}", timeout=30).json()
        state = (run.get("state") or {}).get("type")
        if state in TERMINAL or time.monotonic() > deadline:
            return state, run
        assert worker.poll() is None, f"the worker exited:\n{tail(worker_log)}"
        time.sleep(2)
