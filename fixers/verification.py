"""Before/after comparison of a target's test suite, as `ledger_verifications` stores it.

A test that failed before the change and still fails is pre-existing, not the change's fault;
one that failed once and passed on rerun is flaky.
"""

from __future__ import annotations

from pydantic import BaseModel

from fixers.gate import ChangeFacts

RISK_ORDER = ["LOW", "MEDIUM", "HIGH", "CRITICAL"]


class SuiteSummary(BaseModel):
    """The part of a test-suite run the gate and the ledger need."""

    tests: int
    passed: int
    failed: int
    errors: int
    failed_names: list[str]
    coverage_percent: float | None
    timed_out: bool
    duration_s: float
    isolation: str


class Verification(BaseModel):
    change_id: str
    tests_before: int
    tests_after: int
    passed_before: int
    passed_after: int
    failed_before: int
    failed_after: int
    errors_before: int
    errors_after: int
    new_failures: list[str]
    preexisting_failures: list[str]
    flaky: list[str]
    coverage_before: float | None
    coverage_after: float | None
    coverage_delta: float | None
    timed_out: bool
    isolation: str
    duration_s: float
    python: str = ""  # the interpreter the suites ran with (the target's environment or ours)

    @classmethod
    def compare(
        cls, change_id: str, before: SuiteSummary, after: SuiteSummary, flaky: list[str]
    ) -> Verification:
        known = set(before.failed_names) | set(flaky)
        delta = None
        if before.coverage_percent is not None and after.coverage_percent is not None:
            delta = round(after.coverage_percent - before.coverage_percent, 2)
        return cls(
            change_id=change_id,
            tests_before=before.tests,
            tests_after=after.tests,
            passed_before=before.passed,
            passed_after=after.passed,
            failed_before=before.failed,
            failed_after=after.failed,
            errors_before=before.errors,
            errors_after=after.errors,
            new_failures=sorted(set(after.failed_names) - known),
            preexisting_failures=sorted(set(before.failed_names) & set(after.failed_names)),
            flaky=sorted(flaky),
            coverage_before=before.coverage_percent,
            coverage_after=after.coverage_percent,
            coverage_delta=delta,
            timed_out=after.timed_out,
            isolation=after.isolation,
            duration_s=round(before.duration_s + after.duration_s, 3),
        )

    def facts(self, confidences: list[float], risks: list[str]) -> ChangeFacts:
        """What the gate weighs: the weakest confidence and the highest risk of the batch."""
        return ChangeFacts(
            confidence=min(confidences),
            risk=max(risks, key=RISK_ORDER.index),
            tests_after=self.tests_after,
            passed_after=self.passed_after,
            new_failures=self.new_failures,
            timed_out=self.timed_out,
            coverage_before=self.coverage_before,
            coverage_after=self.coverage_after,
        )
