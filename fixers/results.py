"""The values a transformation returns; the ledger stores them as they are.

A transformation never raises for a bad input file: it returns Failed with the error, or
Skipped with the reason (nothing to change, not its language, ...).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel


class FixStatus(StrEnum):
    APPLIED = "applied"
    SKIPPED = "skipped"
    FAILED = "failed"


class FixResult(BaseModel):
    """The outcome of one recipe on one file.

    `new_source` is set only when status is APPLIED, and differs from the input then.
    """

    path: str
    status: FixStatus
    new_source: str | None = None
    reason: str = ""
    rules: list[str] = []  # what fired (ruff rule codes, codemod names), for the ledger

    @classmethod
    def applied(cls, path: str, new_source: str, reason: str, rules: list[str] | None = None):
        return cls(
            path=path,
            status=FixStatus.APPLIED,
            new_source=new_source,
            reason=reason,
            rules=rules or [],
        )

    @classmethod
    def skipped(cls, path: str, reason: str) -> FixResult:
        return cls(path=path, status=FixStatus.SKIPPED, reason=reason)

    @classmethod
    def failed(cls, path: str, error: str) -> FixResult:
        return cls(path=path, status=FixStatus.FAILED, reason=error)
