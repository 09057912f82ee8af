"""tasks/campaign/process.py: a command's whole process group goes at the wall limit and at its
end, and its output is kept as a tail."""

from __future__ import annotations

import os
import time
from pathlib import Path

from tasks.campaign.process import TAIL_CHARS, execute

ENV = {"PATH": "/usr/bin:/bin"}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_hanging_command_is_killed_with_what_it_started(tmp_path: Path) -> None:
    script = "sleep 60 & echo $! > child.pid; echo started; wait"
    started = time.monotonic()
    code, timed_out, tail = execute(["sh", "-c", script], ENV, tmp_path, 1.0)
    assert (code, timed_out) == (None, True) and "started" in tail
    assert time.monotonic() - started < 30
    child = int((tmp_path / "child.pid").read_text())
    deadline = time.monotonic() + 5
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child)


def test_exit_code_and_only_the_tail_of_the_output(tmp_path: Path) -> None:
    script = f"head -c {TAIL_CHARS * 3} /dev/zero | tr '\\0' x; echo; echo last; exit 3"
    code, timed_out, tail = execute(["sh", "-c", script], ENV, tmp_path, 30.0)
    assert (code, timed_out) == (3, False)
    assert len(tail) == TAIL_CHARS and tail.endswith("last\n")


def test_a_command_that_cannot_start_is_an_exit_code(tmp_path: Path) -> None:
    code, timed_out, tail = execute([str(tmp_path / "missing")], ENV, tmp_path, 5.0)
    assert (code, timed_out) == (127, False) and "cannot start" in tail
