"""`globallm app` stopped by a signal (a supervisor's SIGTERM, Ctrl-C's SIGINT, a closed
terminal's SIGHUP) stops the Streamlit server it started and waits for it: no server is left
running with its port held. Killed outright (SIGKILL, the OOM killer), the kernel ends it."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import time
from pathlib import Path

import pytest

from tests.flows.cli.test_dashboard import free_port, globallm, wait_healthy


def children(pid: int) -> list[int]:
    """The processes `pid` started (Linux /proc)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"  # a zombie has ended; only its exit status is left


def port_answers(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


STOPS = [signal.SIGTERM, signal.SIGINT, signal.SIGHUP]


@pytest.mark.parametrize("signum", STOPS, ids=[s.name for s in STOPS])
def test_a_stop_signal_to_globallm_app_stops_the_server_too(tmp_path: Path, signum: int):
    port = free_port()
    process = globallm("--db", str(tmp_path / "w.duckdb"), "app", "--port", str(port))
    try:
        wait_healthy(port, process)
        servers = children(process.pid)
        assert servers, "globallm app started no server process"
        process.send_signal(signum)  # to globallm only, as `kill` or a supervisor sends it
        output, _ = process.communicate(timeout=20)
        deadline = time.monotonic() + 5
        while (port_answers(port) or any(map(alive, servers))) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(map(alive, servers)), f"the server outlived globallm app:\n{output}"
        assert not port_answers(port), "the port is still held"
    finally:
        with contextlib.suppress(ProcessLookupError):  # the session: globallm and its server
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    assert process.returncode == 0, output
    assert "Traceback" not in output
    assert f"globallm app stopped ({signal.Signals(signum).name})" in output


def test_a_killed_globallm_app_takes_the_server_with_it(tmp_path: Path):
    port = free_port()
    process = globallm("--db", str(tmp_path / "w.duckdb"), "app", "--port", str(port))
    try:
        wait_healthy(port, process)
        servers = children(process.pid)
        assert servers, "globallm app started no server process"
        process.kill()  # SIGKILL to globallm only: no handler of its own runs
        process.wait(timeout=20)
        deadline = time.monotonic() + 20
        while (port_answers(port) or any(map(alive, servers))) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(map(alive, servers)), "the server outlived a killed globallm app"
        assert not port_answers(port), "the port is still held"
    finally:
        for pid in children_left(servers):
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def children_left(pids: list[int]) -> list[int]:
    return [pid for pid in pids if alive(pid)]
