"""Reading an HTTP `Retry-After` header, shared by every client that honours one (GitHub REST
and GraphQL, the LLM endpoint, the package registries): RFC 9110 allows delta-seconds or an
HTTP date, and a date in the past means "now"."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


def retry_after(value: str | None, cap: float | None = None) -> float | None:
    """Seconds the header asks to wait (never negative, at most `cap` when given), or None when
    it is absent or unreadable."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:  # an HTTP date is always GMT
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    if not math.isfinite(seconds):
        return None
    seconds = max(0.0, seconds)
    return seconds if cap is None else min(seconds, cap)
