"""The one module that talks to LLM providers: OpenAI-compatible Chat Completions over httpx.

OpenAI, Anthropic's compatible API, vLLM, Ollama and llama.cpp's server all accept the same
request, so one small client covers them without a vendor SDK. A request is, in this order:
gated (it sends only a `GatedPrompt`: opt-outs honoured, secrets redacted, context cut to
size; tasks/llm/gate.py), looked up in the warehouse cache, paced (tasks/llm/pacing.py), sent
with retries (429, 5xx, timeouts; a server's Retry-After honoured: tasks/http/retry.py), and
recorded as an `LlmCall` row for the ledger (table `ledger_llm_calls`): tokens, cost,
latency, which prompt version asked, and what the gate redacted and cut. The API key is a
SecretStr and is never logged, put in a repr, or quoted in an error, even when a server
echoes it back.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from datetime import UTC, datetime

import httpx
from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, SecretStr

from tasks.http import retry
from tasks.http.retry import RETRY_STATUSES, Retryable, RetryPolicy
from tasks.llm.endpoint import LlmEndpoint, api_key_from_env
from tasks.llm.gate import GatedPrompt
from tasks.llm.pacing import LlmPacer
from warehouse.io.llm_cache import CachedAnswer, CacheKey, LlmCache

logger = logging.getLogger("globallm.llm")

DEFAULT_BASE_URL = "https://api.openai.com/v1"  # only when a key is given without a base URL
SYSTEM_MESSAGE = (
    "You change source code to resolve issues. Answer with exactly one JSON object in the "
    "format the user asks for, and nothing else."
)
_EXCERPT_CHARS = 300


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


def llm_configured(endpoint: LlmEndpoint | None) -> bool:
    """Whether a model would be asked (a base URL or an API key is set); the key stays here."""
    return LlmConfig.for_endpoint(endpoint) is not None


class LlmCall(BaseModel):
    """One row of `ledger_llm_calls`: who asked what of which model, what the gate did (counts
    by kind, never a secret), what it cost, and the redacted texts (kept `llm.retention_days`)."""

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
    repo: str | None = None
    temperature: float = 0.0
    cache_key: str | None = None
    secrets_redacted: int = 0
    secret_kinds: dict[str, int] = {}
    context_cut: str | None = None  # JSON list of tasks.llm.context.ContextCut
    prompt_chars: int = 0
    prompt_text: str | None = None  # redacted
    response_text: str | None = None


class LlmAnswer(BaseModel):
    text: str
    call: LlmCall


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


def _cost(config: LlmConfig, tokens_in: int | None, tokens_out: int | None) -> float:
    price = config.price()
    return (tokens_in or 0) / 1000 * price.per_1k_in + (tokens_out or 0) / 1000 * price.per_1k_out


def complete(
    config: LlmConfig,
    prompt: GatedPrompt,
    run_id: str,
    *,
    cache: LlmCache | None = None,
    pacer: LlmPacer | None = None,
    system: str = SYSTEM_MESSAGE,
) -> LlmAnswer:
    """Ask the model the gated prompt; the answer text and its ledger row. The cache answers
    first (no tokens, no cost, `cache_hit`), then the pacer gives the request its turn.
    `system` is the system message (default: the code-changing one of `fix`); the cache key
    names the prompt, so two prompts never share an answer.
    Raises LlmError when no answer comes; TypeError for a prompt that skipped the gate."""
    if not isinstance(prompt, GatedPrompt):
        raise TypeError("complete() sends only a GatedPrompt (tasks.llm.gate.prepare)")
    key = CacheKey(
        prompt_name=prompt.name,
        prompt_sha=prompt.sha256,
        model=config.model,
        text_sha=prompt.text_sha256,
        temperature=config.temperature,
    )
    report = prompt.report
    call = {
        "run_id": run_id,
        "prompt_name": prompt.name,
        "prompt_sha": prompt.sha256,
        "model": config.model,
        "called_at": datetime.now(UTC),
        "call_id": uuid.uuid4().hex,
        "repo": prompt.repo,
        "temperature": config.temperature,
        "cache_key": key.digest,
        "secrets_redacted": report.secrets_redacted,
        "secret_kinds": report.secret_kinds,
        "context_cut": json.dumps([cut.model_dump() for cut in report.cuts])
        if report.cuts
        else None,
        "prompt_chars": report.prompt_chars,
        "prompt_text": prompt.text,
    }
    cached = cache.get(key) if cache is not None else None
    if cached is not None:  # a repeated question costs nothing: no tokens, no cost
        hit = LlmCall(
            tokens_in=0, tokens_out=0, cost=0, cache_hit=True, response_text=cached.answer, **call
        )
        return LlmAnswer(text=cached.answer, call=hit)
    payload = {
        "model": config.model,
        "messages": [
            {"role": "system", "content": system},
            {"role": "user", "content": prompt.text},
        ],
        "temperature": config.temperature,
        "max_tokens": config.max_answer_tokens,
        "response_format": {"type": "json_object"},
    }
    (pacer or LlmPacer(config)).acquire(len(prompt.text))
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
    if cache is not None:
        cache.put(key, CachedAnswer(answer=text, tokens_in=tokens_in, tokens_out=tokens_out))
    call |= {"tokens_in": tokens_in, "tokens_out": tokens_out, "latency_s": latency}
    call |= {"response_text": text}
    return LlmAnswer(text=text, call=LlmCall(cost=_cost(config, tokens_in, tokens_out), **call))


# NO_CACHE: every call must produce its own ledger row; the warehouse cache marks its hits.
# Never persisted: a GatedPrompt holds the values its placeholders stand for.
complete_task = task(
    complete,
    name="llm-complete",
    tags=["llm"],
    retries=0,
    cache_policy=NO_CACHE,
    persist_result=False,
)
