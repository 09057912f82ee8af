"""The LLM's configuration values and its API key's one reader, kept apart from the client so
that the settings model can build on `LlmEndpoint` without importing Prefect."""

from __future__ import annotations

import os

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from tasks.llm.optout import DEFAULT_EXCLUDE

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


class ModelPrice(BaseModel):
    """What 1,000 prompt and completion tokens of one model cost (in the user's currency)."""

    model_config = ConfigDict(frozen=True)

    per_1k_in: float = Field(0.0, ge=0)
    per_1k_out: float = Field(0.0, ge=0)


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
    # Pacing shared by every process and parallel fix (a Prefect global rate limit); 0: unpaced.
    requests_per_minute: float = Field(50.0, ge=0)
    tokens_per_minute: float = Field(200_000.0, ge=0)
    # Prices per model (cost of 1,000 prompt / completion tokens); a model not listed costs
    # price_per_1k_in / price_per_1k_out.
    prices: dict[str, ModelPrice] = Field(default_factory=dict)
    temperature: float = Field(0.0, ge=0, le=2)
    # The longest answer asked for (the request's max_tokens): budgets count it before a call.
    max_answer_tokens: int = Field(4_000, gt=0)

    def price(self) -> ModelPrice:
        """The price of this endpoint's model."""
        default = ModelPrice(per_1k_in=self.price_per_1k_in, per_1k_out=self.price_per_1k_out)
        return self.prices.get(self.model, default)


class LlmPolicy(BaseModel):
    """What may reach a model, and how long what was sent and answered is kept (the privacy
    gate's values: tasks/llm/gate.py). Entrypoints fill it from the settings (`llm.*`)."""

    model_config = ConfigDict(frozen=True)

    # globs of files never sent, matched against the repository path and the file's name
    exclude: list[str] = Field(default_factory=lambda: list(DEFAULT_EXCLUDE))
    max_file_chars: int = Field(20_000, gt=0)  # a larger file is sent as its relevant regions
    max_prompt_chars: int = Field(60_000, gt=0)  # no prompt is longer
    cache_days: float = Field(30.0, ge=0)  # answers older than this are asked again
    retention_days: float = Field(30.0, ge=0)  # prompts and answers kept in the ledger
