"""Requests and tokens per minute per LLM endpoint, shared by every parallel fix.

Two Prefect global rate limits per endpoint (its host and port in the name), the same
mechanism as GitHub's request rate (tasks/http/rate_limit.py): `llm-requests-<host>` spaces
requests at `requests_per_minute` (a leaky bucket of one slot, 50 a minute by default), and
`llm-tokens-<host>` holds a minute of `tokens_per_minute`, each request occupying its estimated
tokens. Outside a Prefect run, requests are spaced in-process. A 429 from the provider is
still honoured by the client's retries (Retry-After), so the provider's own limit is the last
word when ours is set too high.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.concurrency.sync import rate_limit
from pydantic import BaseModel

from tasks.http.rate_limit import in_prefect_run, spacing, upsert_rate_limit
from tasks.llm.endpoint import LlmEndpoint

CHARS_PER_TOKEN = 4  # a conservative estimate for code and English; no tokenizer download
ANSWER_TOKENS = 512  # what an answer is assumed to add before its usage is known


class LlmLimits(BaseModel):
    """The names of an endpoint's global limits (None: not enforced by Prefect)."""

    requests: str | None = None
    tokens: str | None = None
    token_slots: int = 0


def _host(base_url: str) -> str:
    parts = urlsplit(base_url or "default")
    host = parts.netloc or parts.path or "default"
    return re.sub(r"[^A-Za-z0-9.-]+", "-", host).strip("-") or "default"


def limit_names(base_url: str) -> tuple[str, str]:
    host = _host(base_url)
    return f"llm-requests-{host}", f"llm-tokens-{host}"


def estimated_tokens(prompt_chars: int) -> int:
    """Tokens a request is charged against the per-minute budget before it is sent."""
    return -(-prompt_chars // CHARS_PER_TOKEN) + ANSWER_TOKENS


@task(name="llm-rate-limits", cache_policy=NO_CACHE)
def ensure_llm_limits(endpoint: LlmEndpoint) -> LlmLimits:
    """Create (or update) the endpoint's two global limits; names of those that exist."""
    requests_name, tokens_name = limit_names(endpoint.base_url)
    requests = upsert_rate_limit(requests_name, endpoint.requests_per_minute / 60, 1, "LLM")
    slots = int(endpoint.tokens_per_minute)
    tokens = upsert_rate_limit(tokens_name, endpoint.tokens_per_minute / 60, slots, "LLM")
    return LlmLimits(requests=requests, tokens=tokens, token_slots=slots if tokens else 0)


class LlmPacer:
    """Each request's turn: the global limits inside a Prefect run, else in-process spacing."""

    def __init__(self, endpoint: LlmEndpoint, limits: LlmLimits | None = None) -> None:
        self.endpoint, self.limits = endpoint, limits or LlmLimits()

    def acquire(self, prompt_chars: int) -> None:
        """Wait until a request of `prompt_chars` characters may go."""
        if in_prefect_run() and (self.limits.requests or self.limits.tokens):
            if self.limits.requests:
                rate_limit(self.limits.requests, occupy=1)
            if self.limits.tokens:
                tokens = min(estimated_tokens(prompt_chars), self.limits.token_slots)
                rate_limit(self.limits.tokens, occupy=max(tokens, 1))
            return
        per_s = self.endpoint.requests_per_minute / 60
        spacing(f"llm:{_host(self.endpoint.base_url)}").wait(per_s)
