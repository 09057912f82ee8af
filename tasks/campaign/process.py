"""Start a command in a session of its own and kill the whole process group when it ends.

A plain `subprocess.run(timeout=)` kills only the child and leaves grandchildren running (a
suite's workers, a server its tests started): here the group is SIGKILLed at the wall limit
and after a normal exit alike, and the output is kept as its tail.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import tempfile
import time
from pathlib import Path

TAIL_CHARS = 4000


def _exited_within(pid: int, wall: float) -> bool:
    """Wait for `pid` to exit but leave it unreaped: a zombie leader keeps its pgid from reuse."""
    try:
        fd = os.pidfd_open(pid)
    except (AttributeError, OSError):  # no pidfd (kernel < 5.3): poll instead
        deadline = time.monotonic() + wall
        while os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)
        return True
    try:
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        return bool(poller.poll(wall * 1000))
    finally:
        os.close(fd)


def execute(argv: list[str], env: dict, cwd: Path, wall: float) -> tuple:
    """Run to the end or the wall limit, then kill the whole process group: (code, timed out, tail).

    Output goes to an unnamed file the suite cannot swap for a fifo or a link, as it could in
    the writable scratch dir.
    """
    with tempfile.TemporaryFile() as out:
        try:
            proc = subprocess.Popen(
                argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        except OSError as exc:
            code = 127 if isinstance(exc, FileNotFoundError) else 126
            return code, False, f"cannot start {argv[0]}: {exc}"
        timed_out = not _exited_within(proc.pid, wall)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)  # also what the suite left running behind
        code = proc.wait()
        out.seek(max(0, out.seek(0, os.SEEK_END) - TAIL_CHARS * 4))
        tail = out.read().decode("utf-8", errors="replace")[-TAIL_CHARS:]
    return (None if timed_out else code), timed_out, tail
