"""What every benchmark smoke test checks of the JSON a script wrote."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def read_results(path: Path, returned: dict[str, Any] | None = None) -> dict[str, Any]:
    """The JSON the script wrote (what its main() returned, when given), with no path of this
    machine in it (result files are committed; a path says where, not what, was measured)."""
    written = json.loads(path.read_text())
    if returned is not None:
        assert written == json.loads(json.dumps(returned, default=str))
    assert not list(absolute_paths(written)), list(absolute_paths(written))
    return written


def absolute_paths(value: Any, where: str = "$"):
    """(where, value) of every string that is an absolute path."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from absolute_paths(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from absolute_paths(item, f"{where}[{index}]")
    elif isinstance(value, str) and (value.startswith("/") or value[1:3] == ":\\"):
        yield where, value
