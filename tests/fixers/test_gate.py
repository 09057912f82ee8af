"""The merge gate: explicit cases, and a property no change can escape."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from fixers.gate import ChangeFacts, MergePolicy, decide

GOOD = ChangeFacts(
    confidence=0.9, risk="LOW", tests_after=10, coverage_before=80.0, coverage_after=80.0
)


def test_a_good_change_merges_and_says_why():
    decision = decide(MergePolicy(), GOOD)
    assert decision.merge
    assert decision.reasons == [
        "confidence 0.90 >= 0.80",
        "risk LOW may auto-merge",
        "10 tests pass",
        "coverage delta +0.0",
    ]


def test_each_failing_rule_is_named():
    facts = GOOD.model_copy(
        update={
            "confidence": 0.5,
            "risk": "HIGH",
            "new_failures": ["tests/test_a.py::test_old_spelling"],
            "coverage_after": 70.0,
        }
    )
    decision = decide(MergePolicy(), facts)
    assert not decision.merge
    assert decision.reasons == [
        "confidence 0.50 < 0.80",
        "risk HIGH needs a person's review",
        "tests fail after the change: tests/test_a.py::test_old_spelling",
        "coverage 80.00% -> 70.00% (delta -10.00 < +0.00, beyond the 0.10 tolerance)",
    ]


def test_critical_is_never_merged_even_if_the_policy_allows_high():
    policy = MergePolicy(auto_merge_risks=["LOW", "MEDIUM", "HIGH"])
    decision = decide(policy, GOOD.model_copy(update={"risk": "CRITICAL"}))
    assert not decision.merge
    assert decision.reasons == ["risk CRITICAL is never merged automatically"]


def test_no_tests_timeout_and_unknown_coverage_block():
    nothing_passes = decide(MergePolicy(), GOOD.model_copy(update={"passed_after": 0}))
    assert nothing_passes.reasons == ["no test passes, so nothing verifies the change"]
    no_tests = decide(MergePolicy(), GOOD.model_copy(update={"tests_after": 0}))
    assert no_tests.reasons == ["no test ran, so nothing verifies the change"]
    hung = decide(MergePolicy(), GOOD.model_copy(update={"timed_out": True}))
    assert hung.reasons == ["the test suite timed out"]
    unknown = decide(MergePolicy(), GOOD.model_copy(update={"coverage_after": None}))
    assert unknown.reasons == ["coverage unknown before or after the change"]


def test_coverage_noise_within_the_tolerance_is_no_drop():
    # tenacity, measured: a one-line import change, its timing-dependent tests 95.59 -> 95.55 %
    noisy = GOOD.model_copy(update={"coverage_before": 95.59, "coverage_after": 95.55})
    assert decide(MergePolicy(), noisy).merge
    strict = decide(MergePolicy(coverage_tolerance=0), noisy)
    assert not strict.merge and "delta -0.04 < +0.00" in strict.reasons[0]
    dropped = GOOD.model_copy(update={"coverage_after": 79.8})
    assert not decide(MergePolicy(), dropped).merge  # 0.2 points is a drop


coverage = st.one_of(st.none(), st.floats(min_value=0, max_value=100))


@given(
    confidence=st.floats(min_value=0, max_value=1),
    risk=st.sampled_from(["LOW", "MEDIUM", "HIGH", "CRITICAL"]),
    tests_after=st.integers(min_value=0, max_value=500),
    passed_after=st.one_of(st.none(), st.integers(min_value=0, max_value=500)),
    new_failures=st.lists(st.text(min_size=1, max_size=20), max_size=3),
    timed_out=st.booleans(),
    before=coverage,
    after=coverage,
    min_confidence=st.floats(min_value=0, max_value=1),
    min_delta=st.floats(min_value=0, max_value=5),
    risks=st.lists(st.sampled_from(["LOW", "MEDIUM", "HIGH"]), unique=True),
)
def test_no_failing_verification_or_coverage_drop_is_ever_merged(
    confidence,
    risk,
    tests_after,
    passed_after,
    new_failures,
    timed_out,
    before,
    after,
    min_confidence,
    min_delta,
    risks,
):
    policy = MergePolicy(
        min_confidence=min_confidence, min_coverage_delta=min_delta, auto_merge_risks=risks
    )
    facts = ChangeFacts(
        confidence=confidence,
        risk=risk,
        tests_after=tests_after,
        passed_after=passed_after,
        new_failures=new_failures,
        timed_out=timed_out,
        coverage_before=before,
        coverage_after=after,
    )
    decision = decide(policy, facts)
    failing = bool(new_failures) or timed_out or tests_after == 0 or passed_after == 0
    tolerance = policy.coverage_tolerance
    dropped = before is None or after is None or round(after - before, 2) + tolerance < min_delta
    if failing or dropped or risk == "CRITICAL":
        assert not decision.merge
    assert decision.reasons  # a decision always says why
