"""Before/after comparison of a test suite, and the facts the gate weighs."""

from __future__ import annotations

import json

import pytest

from fixers.gate import ChangeFacts, MergePolicy, decide
from fixers.verification import InterpreterRun, SuiteSummary, Verification, verify_across


def summary(**update) -> SuiteSummary:
    base = SuiteSummary(
        tests=10,
        passed=10,
        failed=0,
        errors=0,
        failed_names=[],
        coverage_percent=80.0,
        timed_out=False,
        duration_s=1.0,
        isolation="bwrap",
    )
    return base.model_copy(update=update)


def test_compare_copies_the_counts_of_both_runs():
    before = summary(tests=10, passed=8, failed=1, errors=1, failed_names=["t::a"])
    after = summary(tests=12, passed=9, failed=2, errors=1, failed_names=["t::a", "t::b"])
    v = Verification.compare("c1", before, after, flaky=[])
    assert v.change_id == "c1"
    assert (v.tests_before, v.tests_after) == (10, 12)
    assert (v.passed_before, v.passed_after) == (8, 9)
    assert (v.failed_before, v.failed_after) == (1, 2)
    assert (v.errors_before, v.errors_after) == (1, 1)


def test_pre_existing_and_flaky_failures_are_not_new():
    before = summary(failed_names=["t::old", "t::fixed"])
    after = summary(failed_names=["t::z_new", "t::old", "t::wobbly", "t::a_new"])
    v = Verification.compare("c1", before, after, flaky=["t::wobbly", "t::elsewhere"])
    assert v.new_failures == ["t::a_new", "t::z_new"]
    assert v.preexisting_failures == ["t::old"]
    assert v.flaky == ["t::elsewhere", "t::wobbly"]


def test_a_test_failing_before_only_is_neither_new_nor_pre_existing():
    v = Verification.compare("c1", summary(failed_names=["t::a"]), summary(), flaky=[])
    assert (v.new_failures, v.preexisting_failures) == ([], [])


def test_a_failure_listed_twice_is_one_new_failure():
    v = Verification.compare("c1", summary(), summary(failed_names=["t::a", "t::a"]), flaky=[])
    assert v.new_failures == ["t::a"]


@pytest.mark.parametrize(
    ("before", "after", "delta"),
    [
        (80.0, 80.456, 0.46),
        (80.111, 81.234, 1.12),
        (80.0, 79.5, -0.5),
        (75.5, 75.5, 0.0),
        (None, 80.0, None),
        (80.0, None, None),
        (None, None, None),
    ],
)
def test_coverage_delta_rounded_to_two_places(before, after, delta):
    v = Verification.compare(
        "c1", summary(coverage_percent=before), summary(coverage_percent=after), []
    )
    assert (v.coverage_before, v.coverage_after, v.coverage_delta) == (before, after, delta)


def test_duration_is_the_sum_of_both_runs_and_the_rest_comes_from_after():
    before = summary(duration_s=0.1, timed_out=True, isolation="bwrap")
    after = summary(duration_s=0.2, timed_out=False, isolation="unshare")
    v = Verification.compare("c1", before, after, [])
    assert v.duration_s == 0.3  # 0.1 + 0.2 is 0.30000000000000004 before rounding
    assert (v.timed_out, v.isolation) == (False, "unshare")
    hung = Verification.compare(
        "c1", summary(duration_s=1.25), summary(duration_s=600.0, timed_out=True), []
    )
    assert (hung.duration_s, hung.timed_out) == (601.25, True)


def verified(**update) -> Verification:
    v = Verification.compare(
        "c1",
        summary(coverage_percent=70.0),
        summary(tests=11, coverage_percent=72.5, failed_names=["t::x"]),
        [],
    )
    return v.model_copy(update=update)


def test_facts_take_the_weakest_confidence_and_the_highest_risk():
    facts = verified().facts([0.9, 0.65, 0.8], ["MEDIUM", "LOW", "HIGH", "LOW"])
    assert facts == ChangeFacts(
        confidence=0.65,
        risk="HIGH",
        tests_after=11,
        passed_after=10,
        new_failures=["t::x"],
        timed_out=False,
        coverage_before=70.0,
        coverage_after=72.5,
    )


@pytest.mark.parametrize(
    ("risks", "expected"),
    [
        (["LOW"], "LOW"),
        (["LOW", "MEDIUM"], "MEDIUM"),  # alphabetically LOW > HIGH, MEDIUM > LOW: not that
        (["MEDIUM", "HIGH", "LOW"], "HIGH"),
        (["HIGH", "CRITICAL", "MEDIUM"], "CRITICAL"),
    ],
)
def test_facts_risk_order(risks, expected):
    assert verified().facts([1.0], risks).risk == expected


def test_facts_carry_the_timeout():
    assert verified(timed_out=True).facts([0.9], ["LOW"]).timed_out is True


def run(version: str, before=None, after=None, flaky=()) -> InterpreterRun:
    return InterpreterRun(
        version=version,
        python=f"/envs/{version}/bin/python",
        before=before or summary(),
        after=after or summary(),
        flaky=list(flaky),
    )


def test_under_one_interpreter_it_is_that_comparison():
    one = run("3.12.1", after=summary(failed_names=["t::a"], passed=9))
    v = verify_across("c1", [one])
    assert v == Verification.compare("c1", one.before, one.after, []).model_copy(
        update={"python": "/envs/3.12.1/bin/python"}
    )
    assert v.new_failures == ["t::a"] and v.pythons is None


def test_under_several_each_after_run_is_compared_with_its_own_baseline():
    old = run("3.11.7")
    new = run(
        "3.12.1",
        before=summary(failed_names=["t::pre"], passed=9, coverage_percent=81.0),
        after=summary(failed_names=["t::pre", "t::new", "t::wobbly"], passed=7),
        flaky=["t::wobbly"],
    )
    v = verify_across("c1", [old, new])
    assert v.new_failures == ["t::new (3.12)"]  # t::pre failed under 3.12's own baseline
    assert (v.preexisting_failures, v.flaky) == (["t::pre (3.12)"], ["t::wobbly (3.12)"])
    assert (v.passed_before, v.passed_after) == (9, 7)  # the run with the fewest passing
    assert (v.coverage_before, v.coverage_after, v.coverage_delta) == (81.0, 80.0, -1.0)
    assert v.python == "/envs/3.11.7/bin/python, /envs/3.12.1/bin/python"
    assert v.duration_s == 4.0
    each = json.loads(v.pythons)
    assert [(p["version"], p["passed_after"], p["new_failures"]) for p in each] == [
        ("3.11.7", 10, []),
        ("3.12.1", 7, ["t::new"]),
    ]


@pytest.mark.parametrize(
    "worse",
    [
        {},
        {"failed_names": ["t::a"], "passed": 9},
        {"passed": 0},
        {"tests": 0, "passed": 0},
        {"timed_out": True},
        {"coverage_percent": None},
        {"coverage_percent": 79.95},  # within the tolerance
        {"coverage_percent": 70.0},
    ],
)
def test_the_change_merges_only_if_it_would_under_every_interpreter(worse):
    runs = [run("3.11.7"), run("3.12.1", after=summary(**worse))]
    policy, confidence = MergePolicy(), ([0.9], ["LOW"])
    each = [decide(policy, verify_across("c1", [r]).facts(*confidence)).merge for r in runs]
    combined = decide(policy, verify_across("c1", runs).facts(*confidence))
    assert combined.merge == all(each)
    assert combined.merge == (worse in ({}, {"coverage_percent": 79.95}))
