"""The one module that talks to LLM providers: OpenAI-compatible Chat Completions over httpx.

OpenAI, Anthropic's compatible API, vLLM, Ollama and llama.cpp's server all accept the same
request, so one small client covers them without a vendor SDK. Every answered request yields
an `LlmCall` row for the ledger (table `ledger_llm_calls`): tokens, cost, latency, and which
prompt version asked. The API key is a SecretStr and is never logged, put in a repr, or
quoted in an error, even when a server echoes it back. Retries (429, 5xx, timeouts; a
server's Retry-After honoured) are tasks/http/retry.py's; the endpoint has no request rate.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import uuid
from collections import OrderedDict
from datetime import UTC, datetime

import httpx
from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, SecretStr

from prompts import RenderedPrompt
from tasks.http import retry
from tasks.http.retry import RETRY_STATUSES, Retryable, RetryPolicy
from tasks.llm.endpoint import LlmEndpoint, api_key_from_env

logger = logging.getLogger("globallm.llm")

DEFAULT_BASE_URL = "https://api.openai.com/v1"  # only when a key is given without a base URL
SYSTEM_MESSAGE = (
    "You change source code to resolve issues. Answer with exactly one JSON object in the "
    "format the user asks for, and nothing else."
)
_EXCERPT_CHARS = 300
_CACHE_SIZE = 256


class LlmError(RuntimeError):
    """The provider gave no usable answer; the message has the status and a body excerpt."""

    def __init__(self, message: str, status: int | None = None, attempts: int = 1) -> None:
        super().__init__(message)
        self.status, self.attempts = status, attempts


class LlmConfig(LlmEndpoint):
    """The client's whole configuration: an endpoint and the API key."""

    api_key: SecretStr | None = None  # SecretStr: repr and str show '**********'

    @classmethod
    def for_endpoint(cls, endpoint: LlmEndpoint | None = None) -> LlmConfig | None:
        """The endpoint's values with the key from the environment; None: no LLM configured
        (neither a base URL nor a key)."""
        endpoint = endpoint or LlmEndpoint()
        key = api_key_from_env()
        if not endpoint.base_url.strip() and key is None:
            return None
        values = endpoint.model_dump() | {"base_url": endpoint.base_url.strip() or DEFAULT_BASE_URL}
        return cls(**values, api_key=key)

    @property
    def endpoint(self) -> str:
        return self.base_url.rstrip("/") + "/chat/completions"


class LlmCall(BaseModel):
    """One row of `ledger_llm_calls`."""

    call_id: str
    run_id: str
    prompt_name: str
    prompt_sha: str
    model: str
    tokens_in: int | None
    tokens_out: int | None
    cost: float
    cache_hit: bool = False
    latency_s: float = 0.0
    called_at: datetime


class LlmAnswer(BaseModel):
    text: str
    call: LlmCall


_cache: OrderedDict[tuple[str, str, str, str], str] = OrderedDict()  # key -> answer text
_cache_lock = threading.Lock()


def clear_cache() -> None:
    """Forget every cached answer (tests; a long-lived worker after a prompt change)."""
    with _cache_lock:
        _cache.clear()


def _redact(text: str, config: LlmConfig) -> str:
    key = config.api_key.get_secret_value() if config.api_key else ""
    return text.replace(key, "[redacted]") if key else text


def _excerpt(response: httpx.Response, config: LlmConfig) -> str:
    text = " ".join(response.text.split())
    if len(text) > _EXCERPT_CHARS:
        text = text[:_EXCERPT_CHARS] + "..."
    return _redact(text, config) or "(empty body)"


def _describe(error: BaseException | None, config: LlmConfig) -> str:
    if isinstance(error, Retryable):
        return str(error)
    if isinstance(error, httpx.TimeoutException):
        return f"timed out after {config.timeout_s}s"
    return _redact(f"{type(error).__name__}: {error}", config)


def _post(client: httpx.Client, config: LlmConfig, payload: dict) -> tuple[str, dict, float]:
    """One request: the answer text, its usage and latency; Retryable or LlmError else.

    A chat completion has no side effect on the provider's side: repeating it after a 5xx or a
    timeout cannot do anything twice, so it is safe to retry blindly (unlike a POST that opens
    a pull request; DESIGN.md, Reliability rules)."""
    headers = {"Content-Type": "application/json"}
    if config.api_key is not None:
        headers["Authorization"] = f"Bearer {config.api_key.get_secret_value()}"
    started = time.perf_counter()
    response = client.post(config.endpoint, json=payload, headers=headers)
    latency = time.perf_counter() - started
    status, excerpt = response.status_code, _excerpt(response, config)
    if status in RETRY_STATUSES:
        wait = RetryPolicy.of(config).server_wait(response)
        raise Retryable(f"HTTP {status}: {excerpt}", status, wait)
    if status != 200:
        raise LlmError(f"LLM request to {config.endpoint} failed: HTTP {status}: {excerpt}", status)
    try:
        body = response.json()
        content = body["choices"][0]["message"].get("content")  # None: the model sent no text
        if content is not None and not isinstance(content, str):
            raise TypeError("message content is not text")
    except (ValueError, TypeError, LookupError, AttributeError) as error:
        raise LlmError(
            f"LLM answer from {config.endpoint} is not a chat completion ({error}): {excerpt}", 200
        ) from None
    return content or "", body.get("usage") or {}, latency


def _count(usage: dict, field: str) -> int | None:
    value = usage.get(field)
    return value if isinstance(value, int) else None


def complete(
    config: LlmConfig, prompt: RenderedPrompt, run_id: str, *, use_cache: bool = True
) -> LlmAnswer:
    """Ask the model; the answer text and its ledger row. Raises LlmError when it cannot."""
    text_sha = hashlib.sha256(prompt.text.encode("utf-8")).hexdigest()
    key = (config.base_url, config.model, prompt.sha256, text_sha)
    call = {"run_id": run_id, "prompt_name": prompt.name, "prompt_sha": prompt.sha256}
    call |= {"model": config.model, "called_at": datetime.now(UTC), "call_id": uuid.uuid4().hex}
    with _cache_lock:
        cached = _cache.get(key) if use_cache else None
    if cached is not None:  # a repeated question costs nothing: no tokens, no cost
        hit = LlmCall(tokens_in=0, tokens_out=0, cost=0, cache_hit=True, **call)
        return LlmAnswer(text=cached, call=hit)
    payload = {
        "model": config.model,
        "messages": [
            {"role": "system", "content": SYSTEM_MESSAGE},
            {"role": "user", "content": prompt.text},
        ],
        "temperature": 0,
        "response_format": {"type": "json_object"},
    }
    policy, what = RetryPolicy.of(config), f"request to {config.endpoint}"
    retrying = retry.retrying(policy, "LLM", what, logger, lambda e: _describe(e, config))
    try:
        with httpx.Client(timeout=config.timeout_s) as client:
            text, usage, latency = retrying(_post, client, config, payload)
    except (Retryable, httpx.HTTPError) as error:
        tries = retry.attempts(retrying, policy)
        message = retry.gave_up(f"LLM {what}", tries, _describe(error, config))
        raise LlmError(message, retry.status_of(error), tries) from None
    tokens_in, tokens_out = _count(usage, "prompt_tokens"), _count(usage, "completion_tokens")
    cost = (tokens_in or 0) / 1000 * config.price_per_1k_in
    cost += (tokens_out or 0) / 1000 * config.price_per_1k_out
    if use_cache:
        with _cache_lock:
            _cache[key] = text
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
    call |= {"tokens_in": tokens_in, "tokens_out": tokens_out, "latency_s": latency}
    return LlmAnswer(text=text, call=LlmCall(cost=cost, **call))


# NO_CACHE: every call must produce its own ledger row; this module's cache marks its hits.
complete_task = task(complete, name="llm-complete", tags=["llm"], retries=0, cache_policy=NO_CACHE)
