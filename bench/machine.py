"""The facts every benchmark result records: the machine, Python, DuckDB and the commit."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path
from typing import Any

import duckdb

ROOT = Path(__file__).resolve().parent.parent


def machine() -> dict[str, Any]:
    """Where and on what code the figures were taken."""
    try:
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = None
    return {
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "commit": commit,  # HEAD; the working tree may hold edits on top of it
    }
