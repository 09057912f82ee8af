"""`globallm app` stopped by a signal (a supervisor's SIGTERM, Ctrl-C's SIGINT, a closed
terminal's SIGHUP) stops the Streamlit server it started and waits for it: no server is left
running with its port held. Killed outright (SIGKILL, the OOM killer), the kernel ends it."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
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


@contextlib.contextmanager
def running_app(tmp_path: Path) -> Iterator[tuple[subprocess.Popen, int, list[int]]]:
    """`globallm app` up and healthy: its process, port and server processes; whatever is
    left of them (the session, a server that outlived it) is killed afterwards."""
    port = free_port()
    process = globallm("--db", str(tmp_path / "w.duckdb"), "app", "--port", str(port))
    servers: list[int] = []
    try:
        wait_healthy(port, process)
        servers += children(process.pid)
        assert servers, "globallm app started no server process"
        yield process, port, servers
    finally:
        for pid in (pid for pid in servers if alive(pid)):
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def wait_until_gone(port: int, servers: list[int], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while (port_answers(port) or any(map(alive, servers))) and time.monotonic() < deadline:
        time.sleep(0.1)


@pytest.mark.parametrize("signum", STOPS, ids=[s.name for s in STOPS])
def test_a_stop_signal_to_globallm_app_stops_the_server_too(tmp_path: Path, signum: int):
    with running_app(tmp_path) as (process, port, servers):
        process.send_signal(signum)  # to globallm only, as `kill` or a supervisor sends it
        output, _ = process.communicate(timeout=20)
        wait_until_gone(port, servers, 5)
        assert not any(map(alive, servers)), f"the server outlived globallm app:\n{output}"
        assert not port_answers(port), "the port is still held"
    assert process.returncode == 0, output
    assert "Traceback" not in output
    assert f"globallm app stopped ({signal.Signals(signum).name})" in output


def test_a_killed_globallm_app_takes_the_server_with_it(tmp_path: Path):
    with running_app(tmp_path) as (process, port, servers):
        process.kill()  # SIGKILL to globallm only: no handler of its own runs
        process.wait(timeout=20)
        wait_until_gone(port, servers, 20)
        assert not any(map(alive, servers)), "the server outlived a killed globallm app"
        assert not port_answers(port), "the port is still held"
