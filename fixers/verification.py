"""Before/after comparison of a target's test suite, as `ledger_verifications` stores it.

A test that failed before the change and still fails is pre-existing, not the change's fault;
one that failed once and passed on rerun is flaky.
"""

from __future__ import annotations

import json

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
    # one JSON object per interpreter (`InterpreterRun.summary`), when the suites ran under
    # several (`--test-python`); None under one
    pythons: str | None = None

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


class InterpreterRun(BaseModel):
    """One interpreter's baseline and after-run of a change: compared with each other only."""

    version: str  # "3.12.1"; "" when unknown (an interpreter named with --python)
    python: str  # the interpreter's path
    before: SuiteSummary
    after: SuiteSummary
    flaky: list[str] = []

    def summary(self, change_id: str) -> dict:
        v = Verification.compare(change_id, self.before, self.after, self.flaky)
        keep = ("tests_before", "passed_before", "tests_after", "passed_after", "new_failures")
        return {"version": self.version, "python": self.python} | v.model_dump(
            include={*keep, "flaky", "coverage_before", "coverage_after", "timed_out"}
        )


def label(version: str) -> str:
    """ "3.12.1" -> "3.12": how a failure names the interpreter it failed under."""
    return ".".join(version.split(".")[:2]) or "?"


def verify_across(change_id: str, runs: list[InterpreterRun]) -> Verification:
    """One verification of a change from each interpreter's own comparison. Under one
    interpreter it is that comparison. Under several, the gate sees the worst of them, so the
    change merges only if it would under every interpreter: the failure names carry their
    interpreter ("t::x (3.12)"), counts are the run with the fewest passing tests, coverage the
    run with the largest drop (unknown if unknown under any), a timeout under any counts."""
    compared = [Verification.compare(change_id, r.before, r.after, r.flaky) for r in runs]
    if len(runs) == 1:
        return compared[0].model_copy(update={"python": runs[0].python})

    def tagged(field: str) -> list[str]:
        pairs = zip(runs, compared, strict=True)
        return sorted({f"{n} ({label(r.version)})" for r, v in pairs for n in getattr(v, field)})

    worst = min(compared, key=lambda v: (v.passed_after, v.tests_after))
    unknown = [v for v in compared if v.coverage_delta is None]
    coverage = unknown[0] if unknown else min(compared, key=lambda v: v.coverage_delta)
    return worst.model_copy(
        update={
            "new_failures": tagged("new_failures"),
            "preexisting_failures": tagged("preexisting_failures"),
            "flaky": tagged("flaky"),
            "coverage_before": coverage.coverage_before,
            "coverage_after": coverage.coverage_after,
            "coverage_delta": coverage.coverage_delta,
            "timed_out": any(v.timed_out for v in compared),
            "duration_s": round(sum(v.duration_s for v in compared), 3),
            "python": ", ".join(r.python for r in runs),
            "pythons": json.dumps([r.summary(change_id) for r in runs]),
        }
    )
