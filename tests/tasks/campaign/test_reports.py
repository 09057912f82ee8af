"""Reading the reports a sandboxed suite writes: what survives a broken or missing report."""

from __future__ import annotations

import os
from pathlib import Path

from tasks.campaign.reports import read_coverage, read_junit


def test_a_truncated_junit_report_keeps_the_cases_before_the_break(tmp_path: Path):
    report = tmp_path / "junit.xml"
    report.write_text(
        '<testsuites><testsuite name="pytest">'
        '<testcase classname="tests.test_a" name="test_one" file="tests/test_a.py"/>'
        '<testcase classname="tests.test_a" name="test_two" file="tests/test_a.py">'
        '<failure message="boom"/></testcase>'
        '<testcase classname="tests.test_a" name="test_thr'
    )
    cases, note = read_junit(report, tmp_path)
    assert [(c.name, c.outcome, c.message) for c in cases] == [
        ("tests/test_a.py::test_one", "passed", None),
        ("tests/test_a.py::test_two", "failed", "boom"),
    ]
    assert note and "malformed" in note
    missing = read_junit(tmp_path / "missing.xml", tmp_path)
    assert missing[0] == [] and "no junit report was written" in (missing[1] or "")


def test_a_planted_fifo_or_link_is_not_read(tmp_path: Path):
    os.mkfifo(tmp_path / "junit.xml")
    cases, note = read_junit(tmp_path / "junit.xml", tmp_path)
    assert cases == [] and note and "plain file" in note
    target = tmp_path / "real.json"
    target.write_text('{"totals": {"percent_covered": 87.5}}')
    assert read_coverage(target) == 87.5
    (tmp_path / "coverage.json").symlink_to(target)
    assert read_coverage(tmp_path / "coverage.json") is None
