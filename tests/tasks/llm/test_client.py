"""The real LLM client against a real, scripted OpenAI-compatible HTTP server on 127.0.0.1.

No mocks of httpx: each test queues the server's answers (status, headers, body, delay) and
then checks what the client sent, how it retried, what it recorded for the ledger, and that
the API key never leaks into a repr, an error or a log record, even when the server echoes it.
"""

from __future__ import annotations

import json
import logging
import socket
import time
from pathlib import Path

import pytest
from pydantic import SecretStr

from fixers.llm_patch import LlmPatch, LlmPatchOptions, MalformedAnswer, apply_edits, parse_edits
from fixers.results import FixStatus
from prompts import render
from tasks.llm import client as llm
from tasks.llm.client import LlmConfig, LlmError, complete, complete_task
from tasks.llm.endpoint import LlmEndpoint, LlmPolicy
from tasks.llm.gate import GatedPrompt, GateReport, prepare
from tasks.llm.redaction import Redaction
from tests.fakes.openai_server import Reply, ScriptedServer, completion
from warehouse.io import store
from warehouse.io.llm_cache import LlmCache
from warehouse.io.tables import columns

KEY = "sk-test-0123456789abcdefSECRET"  # pragma: allowlist secret
SOURCE = "def area(r):\n    return 3.14 * r * r\n"


@pytest.fixture
def server():
    with ScriptedServer() as scripted:
        yield scripted


def config(server: ScriptedServer, **changes: object) -> LlmConfig:
    values = {
        "base_url": server.base_url,
        "model": "test-model",
        "api_key": SecretStr(KEY),
        "timeout_s": 5.0,
        "max_retries": 2,
        "price_per_1k_in": 0.15,
        "price_per_1k_out": 0.6,
        "backoff_s": 0.01,
        "max_backoff_s": 0.05,
        "requests_per_minute": 0,  # unpaced: pacing has its own tests
    }
    return LlmConfig(**(values | changes))


def prompt(title: str = "area() uses a rough pi") -> GatedPrompt:
    return prepare(
        "llm_patch",
        LlmPolicy(),
        issue_title=title,
        issue_body="",
        file_path="geo.py",
        file_content=SOURCE,
        shortened=False,
    )


EDITS = json.dumps(
    {
        "edits": [{"path": "geo.py", "search": "3.14", "replace": "math.pi"}],
        "summary": "use math.pi",
        "confidence": 0.8,
    }
)


def test_request_shape_tokens_and_cost(server: ScriptedServer, tmp_path: Path) -> None:
    server.script(Reply(body=completion(EDITS)))
    asked = prompt()
    answer = complete(config(server), asked, run_id="run-1")

    (seen,) = server.requests
    assert seen.path == "/v1/chat/completions"
    assert seen.headers["Authorization"] == f"Bearer {KEY}"
    assert seen.body["model"] == "test-model"
    assert [m["role"] for m in seen.body["messages"]] == ["system", "user"]
    assert seen.body["messages"][1]["content"] == asked.text
    assert seen.body["temperature"] == 0
    assert seen.body["response_format"] == {"type": "json_object"}

    call = answer.call
    assert answer.text == EDITS
    assert (call.run_id, call.prompt_name, call.prompt_sha) == ("run-1", "llm_patch", asked.sha256)
    assert (call.model, call.tokens_in, call.tokens_out) == ("test-model", 1200, 300)
    assert call.cost == pytest.approx(1.2 * 0.15 + 0.3 * 0.6)
    assert call.cache_hit is False and call.latency_s > 0 and call.called_at.tzinfo is not None
    result = apply_edits("geo.py", SOURCE, parse_edits(answer.text).edits)
    assert result.status is FixStatus.APPLIED and "math.pi" in (result.new_source or "")

    # The row lands in the ledger table as it is.
    assert set(type(call).model_fields) == {name for name, _ in columns("ledger_llm_calls")}
    with store.connect(tmp_path / "w.duckdb") as con:
        store.land(con, "ledger_llm_calls", [call])
        row = con.execute(
            "SELECT run_id, tokens_in, cost, cache_hit FROM ledger_llm_calls"
        ).fetchone()
    assert row == ("run-1", 1200, pytest.approx(call.cost), False)


def test_429_honours_retry_after(server: ScriptedServer) -> None:
    server.script(
        Reply(429, {"error": "rate limited"}, {"Retry-After": "1"}), Reply(body=completion(EDITS))
    )
    started = time.monotonic()
    answer = complete(config(server), prompt(), run_id="r")
    elapsed = time.monotonic() - started
    assert len(server.requests) == 2
    assert answer.text == EDITS
    assert 0.9 <= elapsed < 30  # the backoff alone would have waited at most 0.05 s


def test_500_then_200_is_retried(server: ScriptedServer, caplog: pytest.LogCaptureFixture) -> None:
    server.script(Reply(500, "upstream exploded"), Reply(body=completion(EDITS)))
    with caplog.at_level(logging.WARNING, logger="globallm.llm"):
        answer = complete(config(server), prompt(), run_id="r")
    assert len(server.requests) == 2 and answer.text == EDITS
    assert "HTTP 500" in caplog.text and "retry 1 of 2" in caplog.text


def test_persistent_500_raises_without_the_key(server: ScriptedServer) -> None:
    cfg = config(server)
    server.script(*[Reply(503, f"overloaded; your key {KEY} is fine")] * (cfg.max_retries + 1))
    with pytest.raises(LlmError) as raised:
        complete(cfg, prompt(), run_id="r")
    assert len(server.requests) == cfg.max_retries + 1
    error = raised.value
    assert (error.status, error.attempts) == (503, 3)
    assert "503" in str(error) and "overloaded" in str(error)
    assert KEY not in str(error) and KEY not in repr(error) and error.__cause__ is None


def test_a_client_error_is_not_retried(server: ScriptedServer) -> None:
    server.script(Reply(401, {"error": {"message": f"Incorrect API key provided: {KEY}"}}))
    with pytest.raises(LlmError) as raised:
        complete(config(server), prompt(), run_id="r")
    assert len(server.requests) == 1
    assert raised.value.status == 401 and "Incorrect API key" in str(raised.value)
    assert KEY not in str(raised.value)


def test_an_answer_that_is_not_a_chat_completion_raises(server: ScriptedServer) -> None:
    server.script(Reply(200, "<html>proxy login</html>"))
    with pytest.raises(LlmError, match="not a chat completion"):
        complete(config(server), prompt(), run_id="r")


def test_malformed_content_reaches_the_parser(server: ScriptedServer) -> None:
    prose = "Sure! Replace 3.14 with math.pi and you are done."
    server.script(Reply(body=completion(prose)))
    answer = complete(config(server), prompt(), run_id="r")
    assert answer.text == prose and answer.call.tokens_in == 1200  # the call is still recorded
    with pytest.raises(MalformedAnswer, match="not JSON"):
        parse_edits(answer.text)
    result = LlmPatch(LlmPatchOptions(answer=answer.text)).transform("geo.py", SOURCE)
    assert result.status is FixStatus.FAILED and "malformed LLM answer" in result.reason


def test_edits_that_match_nothing_fail(server: ScriptedServer) -> None:
    wrong = EDITS.replace('"3.14"', '"3.1416"')
    server.script(Reply(body=completion(wrong)))
    answer = complete(config(server), prompt(), run_id="r")
    result = apply_edits("geo.py", SOURCE, parse_edits(answer.text).edits)
    assert result.status is FixStatus.FAILED and "edit 0 matches 0 times" in result.reason


def test_a_slow_server_times_out_and_is_retried(server: ScriptedServer) -> None:
    cfg = config(server, timeout_s=0.5, max_retries=1)
    server.script(
        Reply(body=completion(EDITS), delay_s=30), Reply(body=completion(EDITS), delay_s=30)
    )
    started = time.monotonic()
    with pytest.raises(LlmError, match=r"timed out after 0\.5s") as raised:
        complete(cfg, prompt(), run_id="r")
    # neither attempt waited for the server's 30 s answer (a wide margin for a loaded machine)
    assert time.monotonic() - started < 20
    assert len(server.requests) == 2 and raised.value.attempts == 2


def test_connection_refused_is_retried_then_raises() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    cfg = LlmConfig(base_url=f"http://127.0.0.1:{port}/v1", max_retries=1, backoff_s=0.01)
    with pytest.raises(LlmError) as raised:
        complete(cfg, prompt(), run_id="r")
    assert raised.value.attempts == 2 and raised.value.status is None


def test_a_repeated_question_is_answered_from_the_warehouse_cache(
    server: ScriptedServer, tmp_path: Path
) -> None:
    db = tmp_path / "w.duckdb"
    server.script(*[Reply(body=completion(EDITS))] * 3)
    first = complete(config(server), prompt(), run_id="r", cache=LlmCache(db))
    # another process, later: a new cache object on the same warehouse still knows the answer
    again = complete(config(server), prompt(), run_id="r2", cache=LlmCache(db))
    assert len(server.requests) == 1
    assert again.text == first.text and again.call.cache_hit is True
    assert (again.call.cost, again.call.tokens_in) == (0, 0) and first.call.cost > 0
    assert again.call.call_id != first.call.call_id
    assert again.call.cache_key == first.call.cache_key
    complete(config(server), prompt("another issue"), run_id="r", cache=LlmCache(db))
    assert len(server.requests) == 2  # another text: asked again
    complete(config(server, temperature=0.5), prompt(), run_id="r", cache=LlmCache(db))
    assert len(server.requests) == 3  # another temperature: asked again
    assert server.requests[-1].body["temperature"] == 0.5


def test_a_cached_answer_older_than_cache_days_is_asked_again(
    server: ScriptedServer, tmp_path: Path
) -> None:
    db = tmp_path / "w.duckdb"
    server.script(Reply(body=completion(EDITS)), Reply(body=completion(EDITS)))
    complete(config(server), prompt(), run_id="r", cache=LlmCache(db, max_age_days=30))
    with store.connect(db) as con:
        con.execute("UPDATE llm_cache SET created_at = created_at - INTERVAL 31 DAY")
    answer = complete(config(server), prompt(), run_id="r", cache=LlmCache(db, max_age_days=30))
    assert len(server.requests) == 2 and answer.call.cache_hit is False


def test_only_a_gated_prompt_is_sent(server: ScriptedServer) -> None:
    raw = render(
        "llm_patch",
        issue_title="t",
        issue_body="",
        file_path="geo.py",
        file_content=SOURCE,
        shortened=False,
    )
    with pytest.raises(TypeError, match="GatedPrompt"):
        complete(config(server), raw, run_id="r")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="made only by"):
        GatedPrompt("llm_patch", "1", "sha", "text", GateReport(), Redaction())
    assert server.requests == []


def test_the_key_never_leaks(server: ScriptedServer, caplog: pytest.LogCaptureFixture) -> None:
    cfg = config(server, max_retries=1)
    assert KEY not in repr(cfg) and KEY not in str(cfg) and KEY not in cfg.model_dump_json()
    server.script(Reply(500, f"bad {KEY}"), Reply(body=completion(EDITS)))
    server.script(Reply(502, f"bad {KEY}"), Reply(502, f"bad {KEY}"))
    with caplog.at_level(logging.DEBUG):  # httpx and httpcore log at DEBUG too
        complete(cfg, prompt(), run_id="r")
        with pytest.raises(LlmError) as raised:
            complete(cfg, prompt("second"), run_id="r")
    assert len(server.requests) == 4
    assert caplog.records and all(KEY not in record.getMessage() for record in caplog.records)
    assert KEY not in caplog.text and KEY not in str(raised.value)
    assert "[redacted]" in str(raised.value)


def test_config_takes_the_endpoint_as_a_value_and_only_the_key_from_env(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("OPENAI_API_KEY", "GLOBALLM_LLM_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    assert LlmConfig.for_endpoint() is None  # no LLM configured

    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("GLOBALLM_LLM_BASE_URL", "http://127.0.0.1:9/v1")  # the settings' only
    fallback = LlmConfig.for_endpoint()
    assert fallback is not None and fallback.base_url == llm.DEFAULT_BASE_URL
    assert fallback.model == "gpt-4o-mini" and fallback.api_key is not None
    assert KEY not in repr(fallback)

    monkeypatch.delenv("OPENAI_API_KEY")
    local = LlmConfig.for_endpoint(
        LlmEndpoint(base_url="http://127.0.0.1:9/v1", model="qwen2.5-coder")
    )
    assert local is not None and local.api_key is None
    assert (local.base_url, local.model) == ("http://127.0.0.1:9/v1", "qwen2.5-coder")
    assert local.endpoint == "http://127.0.0.1:9/v1/chat/completions"


def test_complete_task_is_the_plain_function_without_retries() -> None:
    assert complete_task.fn is complete
    assert complete_task.name == "llm-complete"
    assert complete_task.tags == {"llm"} and complete_task.retries == 0
