"""The LLM's configuration values and its API key's one reader, kept apart from the client so
that the settings model can build on `LlmEndpoint` without importing Prefect."""

from __future__ import annotations

import os

from pydantic import BaseModel, ConfigDict, Field, SecretStr

DEFAULT_MODEL = "gpt-4o-mini"


API_KEY_ENV = ("GLOBALLM_LLM_API_KEY", "OPENAI_API_KEY")  # the first one set wins


def api_key_from_env() -> SecretStr | None:
    """The LLM API key (GLOBALLM_LLM_API_KEY, else OPENAI_API_KEY), or None. The one place it
    is read: inside the task that calls the model, never a flow parameter."""
    for name in API_KEY_ENV:
        key = os.environ.get(name, "").strip()
        if key:
            return SecretStr(key)
    return None


class LlmEndpoint(BaseModel):
    """Which model answers where, how patiently, at what price. No secret: entrypoints fill it
    from the settings (`llm.*`) and flows pass it to tasks as a value."""

    model_config = ConfigDict(frozen=True)

    base_url: str = ""  # empty: no LLM, unless an API key is set (then DEFAULT_BASE_URL)
    model: str = DEFAULT_MODEL
    timeout_s: float = Field(60.0, gt=0)
    max_retries: int = Field(4, ge=0)  # retries after the first attempt
    price_per_1k_in: float = Field(0.0, ge=0)  # cost of 1,000 prompt tokens
    price_per_1k_out: float = Field(0.0, ge=0)  # cost of 1,000 completion tokens
    backoff_s: float = Field(1.0, ge=0)  # exponential backoff base (full jitter), capped at:
    max_backoff_s: float = Field(30.0, ge=0)
    retry_after_cap_s: float = Field(30.0, ge=0)  # a server's Retry-After is honoured up to this
