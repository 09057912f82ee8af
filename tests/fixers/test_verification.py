"""Before/after comparison of a test suite, and the facts the gate weighs."""

from __future__ import annotations

import pytest

from fixers.gate import ChangeFacts
from fixers.verification import SuiteSummary, Verification


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
