"""The reports a sandboxed suite writes (JUnit XML, coverage JSON), read without trusting them.

The suite is untrusted code and writes its reports where it can also plant a fifo, a link or a
huge file: a report is read only if it is a plain file of sane size, opened without following
links, and a broken one yields what was read before the break plus a note.
"""

from __future__ import annotations

import io
import json
import os
import stat
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import BaseModel

MAX_REPORT_BYTES = 64 * 1024 * 1024  # a report is written by untrusted code: bound what we parse


class TestCase(BaseModel):
    """One junit testcase, named so that it can be re-run."""

    __test__: ClassVar[bool] = False  # not a pytest test class, despite the name

    name: str  # pytest node id relative to the worktree
    outcome: Literal["passed", "failed", "error", "skipped"]
    message: str | None = None


def read_report(path: Path) -> bytes | None:
    """A report's bytes if it is a plain file of sane size: the suite may plant a fifo or link."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(fd)
        ok = stat.S_ISREG(info.st_mode) and info.st_size <= MAX_REPORT_BYTES
        return f.read(MAX_REPORT_BYTES) if ok else None


def _node_id(case: ET.Element, worktree: Path) -> str:
    """Undo junit's name mangling (`tests.test_x.TestA` + `test_y`) back to a pytest node id."""
    classname, name, file = (case.get(k, "") for k in ("classname", "name", "file"))
    if not classname:  # a collection error: the name is the mangled file path
        return file or name
    parts = classname.split(".")
    module = file.removesuffix(".py").replace("/", ".")
    if file and (classname == module or classname.startswith(module + ".")):
        return "::".join([file, *classname[len(module) :].split(".")[1:], name])
    for i in range(len(parts), 0, -1):  # test defined elsewhere (inherited): find the module
        path = "/".join(parts[:i]) + ".py"
        if (worktree / path).is_file():
            return "::".join([path, *parts[i:], name])
    return f"{classname}::{name}"


def _outcome(case: ET.Element) -> tuple[str, str | None]:
    for tag, outcome in (("failure", "failed"), ("error", "error"), ("skipped", "skipped")):
        child = case.find(tag)
        if child is not None:
            return outcome, child.get("message")
    return "passed", None


def read_junit(path: Path, worktree: Path) -> tuple[list[TestCase], str | None]:
    """The cases of a junit report, and a note when it is missing or broken (cases read so far)."""
    data = read_report(path)
    if data is None:
        return [], "no junit report was written (or it is not a plain file of sane size)"
    cases: list[TestCase] = []
    try:
        for _, element in ET.iterparse(io.BytesIO(data)):
            if element.tag == "testcase":
                outcome, message = _outcome(element)
                name = _node_id(element, worktree)
                cases.append(TestCase(name=name, outcome=outcome, message=message))
    except ET.ParseError as exc:
        return cases, f"junit report is malformed ({exc}); counted the {len(cases)} cases before"
    return cases, None


def read_coverage(path: Path) -> float | None:
    try:
        return float(json.loads(read_report(path) or b"")["totals"]["percent_covered"])
    except (ValueError, KeyError, TypeError):
        return None
