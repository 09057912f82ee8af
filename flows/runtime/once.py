"""Side effects that must happen once (opening a pull request, merging), across resumes.

DESIGN's reliability rule: such a step runs inside a Prefect transaction keyed by what it does,
and a committed transaction is read back instead of acting again, so a resumed run never opens
a second pull request or merges twice. A crash between the action and the commit is covered by
the providers' own look-up-before-write (tasks/github/http.py `write_once`,
tasks/pulls/local.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from prefect.transactions import transaction

T = TypeVar("T")


def once(key: str, action: Callable[[], T]) -> T:
    """`action()` unless a transaction with `key` committed before; then its recorded result."""
    with transaction(key=key, write_on_commit=True) as txn:
        if txn.is_committed():
            record = txn.read()
            if record is not None:
                return record.result
        value = action()
        txn.stage(value)
    return value
