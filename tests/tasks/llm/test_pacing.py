"""LLM pacing: requests and tokens per minute per endpoint, as Prefect global rate limits that
parallel fixes share (a real Prefect test server), else spacing in the process."""

from __future__ import annotations

import time

from prefect import flow
from prefect.client.orchestration import get_client
from pydantic import SecretStr

from tasks.http import rate_limit
from tasks.llm.client import LlmConfig, complete
from tasks.llm.endpoint import LlmEndpoint, LlmPolicy
from tasks.llm.gate import prepare
from tasks.llm.pacing import LlmPacer, ensure_llm_limits, estimated_tokens, limit_names
from tests.fakes.openai_server import Reply, ScriptedServer, completion

ANSWER = completion('{"edits": [], "summary": "nothing", "confidence": 0.1}')


def gated(title: str = "t"):
    return prepare(
        "llm_patch",
        LlmPolicy(),
        issue_title=title,
        issue_body="",
        file_path="a.py",
        file_content="x = 1\n",
        shortened=False,
    )


def test_limit_names_follow_the_endpoint_and_tokens_are_estimated() -> None:
    assert limit_names("http://127.0.0.1:8080/v1") == (
        "llm-requests-127.0.0.1-8080",
        "llm-tokens-127.0.0.1-8080",
    )
    assert limit_names("")[0] == "llm-requests-default"
    assert estimated_tokens(4000) == 1000 + 512 and estimated_tokens(1) == 1 + 512


def test_outside_a_run_requests_are_spaced_in_the_process(monkeypatch) -> None:
    monkeypatch.setattr(rate_limit, "_spacings", {})
    pacer = LlmPacer(LlmEndpoint(base_url="http://127.0.0.1:1/v1", requests_per_minute=600))
    started = time.perf_counter()
    for _ in range(5):
        pacer.acquire(100)
    assert time.perf_counter() - started >= 4 * 0.1 * 0.9
    unpaced = LlmPacer(LlmEndpoint(base_url="http://127.0.0.1:2/v1", requests_per_minute=0))
    started = time.perf_counter()
    for _ in range(50):
        unpaced.acquire(100)
    assert time.perf_counter() - started < 0.05


def test_inside_a_run_the_endpoint_limits_pace_every_request(prefect_server) -> None:
    with ScriptedServer() as server:
        server.script(*[Reply(body=ANSWER)] * 3)
        endpoint = LlmEndpoint(
            base_url=server.base_url, requests_per_minute=120, tokens_per_minute=90_000
        )
        config = LlmConfig(**endpoint.model_dump(), api_key=SecretStr("sk-pacing"))

        @flow
        def three_questions() -> None:
            limits = ensure_llm_limits(endpoint)
            assert limits.requests and limits.tokens and limits.token_slots == 90_000
            pacer = LlmPacer(config, limits)
            for n in range(3):
                complete(config, gated(f"question {n}"), "run", pacer=pacer)

        started = time.perf_counter()
        three_questions()
        elapsed = time.perf_counter() - started
    assert len(server.requests) == 3
    assert elapsed >= 2 * 0.5 * 0.9  # two gaps of 1/2 s at 120 a minute
    requests_name, tokens_name = limit_names(server.base_url)
    with get_client(sync_client=True) as client:
        requests = client.read_global_concurrency_limit_by_name(requests_name)
        tokens = client.read_global_concurrency_limit_by_name(tokens_name)
    assert (requests.limit, requests.slot_decay_per_second) == (1, 2.0)
    assert (tokens.limit, tokens.slot_decay_per_second) == (90_000, 1_500.0)


def test_no_rate_means_no_limit() -> None:
    limits = ensure_llm_limits.fn(
        LlmEndpoint(base_url="http://127.0.0.1:3/v1", requests_per_minute=0, tokens_per_minute=0)
    )
    assert (limits.requests, limits.tokens, limits.token_slots) == (None, None, 0)
