"""What every pull-request provider shares: the error it raises and what a publication is.

Providers: `local` (tasks/pulls/local.py: the branch pushed to the repository's own remote, the
pull request a ledger record) and `github` (tasks/pulls/github.py).
"""

from __future__ import annotations

from pydantic import BaseModel


class ProviderError(RuntimeError):
    """The provider could not publish or merge; the message says why."""


class Publication(BaseModel):
    provider: str
    url: str
