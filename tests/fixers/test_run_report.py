import json

from fixers.run_report import reasons_line, render_report

RUN = {"run_id": "0123456789abcdef", "kind": "campaign", "recipe": "upgrade-python",
       "status": "COMPLETED", "created_at": "2026-12-04 10:00"}  # fmt: skip
MERGED = {"repo": "acme/a", "state": "MERGED", "branch": "globallm/x", "pr_url": None,
          "lines_added": 3, "lines_removed": 2, "gate_reasons": ["confidence 0.95 >= 0.80"],
          "tests_before": 4, "tests_after": 4, "passed_before": 4, "passed_after": 4,
          "coverage_before": 80.0, "coverage_after": 80.5, "isolation": "bwrap"}  # fmt: skip
BLOCKED = MERGED | {"repo": "acme/b", "state": "BLOCKED", "passed_after": 3,
                    "gate_reasons": ["tests fail after the change: test_x"],
                    "new_failures": ["test_x"], "pr_url": "https://git.example/pr/2"}  # fmt: skip
REASONS = [
    {"state": "BLOCKED", "reason": "no test passes, so nothing verifies the change", "changes": 2},
    {"state": "BLOCKED", "reason": "tests fail after the change", "changes": 1},
    {"state": "FAILED", "reason": "unreadable", "changes": 1},
]


def test_the_reasons_line_counts_each_state_by_reason():
    assert reasons_line(REASONS) == (
        "3 blocked: 2 x no test passes, so nothing verifies the change, "
        "1 x tests fail after the change; 1 failed: 1 x unreadable"
    )
    assert reasons_line([]) == ""


def test_the_report_has_a_row_per_change_with_tests_coverage_and_why():
    report = render_report(RUN, [MERGED, BLOCKED], REASONS)
    assert report.startswith("# Campaign report: upgrade-python `01234567`")
    assert "2 change(s): 1 blocked, 1 merged" in report and "**Held back**: 3 blocked" in report
    merged = next(line for line in report.splitlines() if line.startswith("| acme/a"))
    assert "| 4/4 → 4/4 | 80.0% → 80.5% | +3 -2 |" in merged and "`globallm/x`" in merged
    blocked = next(line for line in report.splitlines() if line.startswith("| acme/b"))
    assert "(new failures: test_x)" in blocked and "https://git.example/pr/2" in blocked


def test_a_run_without_changes_says_so():
    assert "| — | no change |" in render_report(RUN, [], [])


def test_several_interpreters_show_each_ones_tests_and_coverage():
    each = [
        {"version": "3.11.7", "python": "/e/a/bin/python", "tests_before": 4, "passed_before": 4,
         "tests_after": 4, "passed_after": 4, "coverage_before": 80.0, "coverage_after": 80.0},
        {"version": "3.12.1", "python": "/e/b/bin/python", "tests_before": 4, "passed_before": 4,
         "tests_after": 4, "passed_after": 3, "coverage_before": 80.0, "coverage_after": None},
    ]  # fmt: skip
    row = BLOCKED | {"python": "/e/a/bin/python, /e/b/bin/python", "pythons": json.dumps(each)}
    line = render_report(RUN, [row], []).splitlines()[-1]
    assert "| bwrap · 3.11.7: 4/4 → 4/4, 80.0% → 80.0% · 3.12.1: 4/4 → 3/4, 80.0% → ? |" in line
    one = BLOCKED | {"python": "/e/a/bin/python", "pythons": None}
    assert "| bwrap · /e/a/bin/python |" in render_report(RUN, [one], [])
