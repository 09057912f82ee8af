"""GitHub over HTTP: the configuration, errors, and the request plumbing every GitHub client
shares (retries with backoff and jitter, Retry-After and rate-limit resets honoured, writes
looked up before they are repeated, the token kept out of every message).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationInfo, field_validator
from tenacity import Retrying

from tasks.http import retry
from tasks.http.retry import RETRY_STATUSES, Retryable, RetryPolicy
from tasks.http.retry_after import retry_after

logger = logging.getLogger("globallm.github")

DEFAULT_API_URL = "https://api.github.com"
API_VERSION = "2022-11-28"
USER_AGENT = "globallm/0.1 (httpx)"
_EXCERPT_CHARS = 300
T = TypeVar("T")


class GitHubError(RuntimeError):
    """GitHub refused or failed; `status` is the last HTTP status, if there was one."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class RateLimited(GitHubError):
    """GraphQL's rate limit is exhausted (reported as HTTP 200 with a RATE_LIMITED error)."""


def graphql_url_for(api_url: str) -> str:
    """GitHub's GraphQL endpoint beside a REST root (GitHub Enterprise: /api/v3 -> /api/graphql)."""
    api = api_url.rstrip("/")
    return api.removesuffix("/v3") + "/graphql" if api.endswith("/api/v3") else api + "/graphql"


TOKEN_ENV = "GITHUB_TOKEN"


def token_from_env() -> SecretStr | None:
    """GITHUB_TOKEN, or None. The one place the token is read: inside the task that sends the
    requests, so it never becomes a flow parameter (Prefect would store it)."""
    token = os.environ.get(TOKEN_ENV, "").strip()
    return SecretStr(token) if token else None


class GitHubEndpoint(BaseModel):
    """Where GitHub answers and how patient its client is. No secret: entrypoints fill it
    from the settings (`github.*`) and flows pass it to tasks as a value. Defaults: github.com."""

    model_config = ConfigDict(frozen=True)

    api_url: str = DEFAULT_API_URL  # GitHub Enterprise: https://HOST/api/v3
    graphql_url: str = Field("", validate_default=True)  # empty: beside api_url
    timeout_s: float = Field(30.0, gt=0)
    max_retries: int = Field(4, ge=0)  # retries after the first attempt
    max_wait_s: float = Field(3600.0, ge=0)  # a primary rate-limit reset is waited up to this
    backoff_s: float = Field(1.0, ge=0)  # exponential backoff base (full jitter), capped at:
    max_backoff_s: float = Field(30.0, ge=0)
    retry_after_cap_s: float = Field(60.0, ge=0)  # Retry-After is honoured up to this

    @field_validator("graphql_url")
    @classmethod
    def _beside_api(cls, graphql_url: str, info: ValidationInfo) -> str:
        api_url = info.data.get("api_url") or DEFAULT_API_URL
        return graphql_url.strip() or graphql_url_for(api_url)


class GitHubConfig(GitHubEndpoint):
    """The client's whole configuration: an endpoint and the token."""

    token: SecretStr

    @field_validator("token")
    @classmethod
    def _token_given(cls, token: SecretStr) -> SecretStr:
        if not token.get_secret_value().strip():
            raise ValueError("no GitHub token: set GITHUB_TOKEN")
        return SecretStr(token.get_secret_value().strip())

    @classmethod
    def for_endpoint(cls, endpoint: GitHubEndpoint | None = None) -> GitHubConfig | None:
        """The endpoint's values with the token from the environment; None without a token."""
        token = token_from_env()
        if token is None:
            return None
        return cls(**(endpoint or GitHubEndpoint()).model_dump(), token=token)


def redact(text: str, config: GitHubConfig) -> str:
    return text.replace(config.token.get_secret_value(), "[redacted]")


def excerpt(response: httpx.Response, config: GitHubConfig) -> str:
    text = " ".join(response.text.split())
    text = text[:_EXCERPT_CHARS] + "..." if len(text) > _EXCERPT_CHARS else text
    return redact(text, config) or "(empty body)"


def rate_limit_wait(response: httpx.Response, config: GitHubConfig) -> float | None:
    """Seconds to wait that the answer asks for: Retry-After, or until the rate limit resets."""
    headers, cap = response.headers, config.retry_after_cap_s
    asked = retry_after(headers.get("retry-after"), cap)
    if asked is not None:
        return asked
    if (
        headers.get("x-ratelimit-remaining") == "0"
        and headers.get("x-ratelimit-reset", "").isdigit()
    ):
        # not capped at retry_after_cap_s: retrying earlier only spends attempts while exhausted
        reset = max(0.0, int(headers["x-ratelimit-reset"]) - time.time()) + 0.1
        return min(reset, config.max_wait_s)
    if response.status_code == 403 and "secondary rate limit" in response.text.lower():
        return min(60.0, cap)  # GitHub: wait at least a minute
    return None


def send_request(
    client: httpx.Client, config: GitHubConfig, method: str, url: str, **kw
) -> httpx.Response:
    """One request; raises Retryable for 429, 5xx and a rate-limited 403."""
    response = client.request(method, url, **kw)
    status, wait_s = response.status_code, rate_limit_wait(response, config)
    if status in RETRY_STATUSES or (status == 403 and wait_s is not None):
        raise Retryable(f"HTTP {status}: {excerpt(response, config)}", status, wait_s)
    return response


def ensure_ok(response: httpx.Response, config: GitHubConfig, what: str) -> httpx.Response:
    if not response.is_success:
        status = response.status_code
        message = f"GitHub {what} failed: HTTP {status}: {excerpt(response, config)}"
        raise GitHubError(message, status)
    return response


def describe_error(error: BaseException | None, config: GitHubConfig) -> str:
    if isinstance(error, httpx.TimeoutException):
        return f"timed out after {config.timeout_s}s"
    if isinstance(error, Retryable):
        return str(error)
    return redact(f"{type(error).__name__}: {error}", config)


def retrying_for(config: GitHubConfig, what: str) -> Retrying:
    """tasks/http/retry.py's loop, each failure described with the token redacted."""
    policy = RetryPolicy.of(config)
    return retry.retrying(
        policy, "GitHub", what, logger, lambda error: describe_error(error, config)
    )


def gave_up(what: str, error: BaseException, config: GitHubConfig, retrying: Retrying):
    tries = retry.attempts(retrying, RetryPolicy.of(config))
    detail = describe_error(error, config)
    return GitHubError(retry.gave_up(f"GitHub {what}", tries, detail), retry.status_of(error))


def client_for(config: GitHubConfig) -> httpx.Client:
    headers = {
        "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": API_VERSION,
        "User-Agent": USER_AGENT,
        "Authorization": f"Bearer {config.token.get_secret_value()}",
    }
    return httpx.Client(timeout=config.timeout_s, headers=headers, follow_redirects=False)


def http_get(
    client: httpx.Client, config: GitHubConfig, url: str, what: str, **kw
) -> httpx.Response:
    """A read: retried with backoff and jitter, Retry-After and rate-limit resets honoured."""
    retrying = retrying_for(config, what)
    try:
        response = retrying(send_request, client, config, "GET", url, **kw)
    except (Retryable, httpx.HTTPError) as error:
        raise gave_up(what, error, config, retrying) from None
    return ensure_ok(response, config, what)


def write_once(
    config: GitHubConfig, what: str, send: Callable[[], T], lookup: Callable[[], T | None]
):
    """Send a write; after an unknown outcome or a rate limit, look the result up before
    sending it again (the first attempt may have succeeded)."""
    retrying = retrying_for(config, what)
    try:
        for attempt in retrying:
            with attempt:
                if attempt.retry_state.attempt_number > 1:
                    found = lookup()
                    if found is not None:
                        logger.info("GitHub %s: an earlier attempt had succeeded", what)
                        return found
                return send()
    except (Retryable, httpx.HTTPError) as error:
        raise gave_up(what, error, config, retrying) from None
    raise AssertionError("unreachable: tenacity either returns or raises")


def repo_url(config: GitHubConfig, owner: str, repo: str) -> str:
    return f"{config.api_url.rstrip('/')}/repos/{quote(owner, safe='')}/{quote(repo, safe='')}"


def read_json(
    response: httpx.Response, config: GitHubConfig, what: str, read: Callable[[object], T]
):
    try:
        return read(response.json())
    except (ValueError, TypeError, LookupError, AttributeError) as error:
        shown = excerpt(response, config)
        raise GitHubError(f"GitHub {what}: unexpected answer ({error!r}): {shown}") from None
