"""tasks/llm/triage.py against a scripted OpenAI-compatible server on 127.0.0.1: one gated
prompt per issue, a malformed answer or a failed request reported for that issue only, the
warehouse cache answering a repeated question, and a checkout's paths (not its opted-out ones)
named in the prompt."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from prompts import registered
from tasks.llm.client import llm_configured
from tasks.llm.endpoint import LlmEndpoint, LlmPolicy
from tasks.llm.gate import admit_paths
from tasks.llm.triage import (
    SYSTEM_MESSAGE,
    IssueForTriage,
    llm_version,
    triage_with_llm,
)
from tests.fakes.openai_server import Reply, ScriptedServer, completion

KEY = "sk-triage-test-0123456789"  # pragma: allowlist secret
ISSUES = [
    IssueForTriage(
        issue_id="I_1",
        repo="acme/core",
        number=1,
        title="Crash when the config is empty",
        body="Traceback (most recent call last): KeyError",
        labels=["bug"],
    ),
    IssueForTriage(issue_id="I_2", repo="acme/core", number=2, title="Add YAML support"),
    IssueForTriage(issue_id="I_3", repo="acme/app", number=3, title="How do I start it?"),
]


def verdict(category: str, complexity: int = 3, solvable: bool = True) -> Reply:
    answer = {
        "category": category,
        "complexity": complexity,
        "scope": ["core/config.py"],
        "breaking_risk": "low",
        "solvable": solvable,
        "solvable_reason": f"a small {category} change",
        "confidence": 0.8,
    }
    return Reply(body=completion(json.dumps(answer), tokens_in=400, tokens_out=60))


@pytest.fixture
def server(monkeypatch):
    with ScriptedServer() as scripted:
        monkeypatch.setenv("GLOBALLM_LLM_API_KEY", KEY)
        yield scripted


def endpoint(server: ScriptedServer) -> LlmEndpoint:
    return LlmEndpoint(
        base_url=server.base_url, model="test-model", requests_per_minute=0, max_retries=0
    )


def checkout(root: Path) -> Path:
    root.mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    for rel in ("README.md", "core/config.py", "core/deep/nested.py", ".env", "private/x.py"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("x = 1\n", encoding="utf-8")
    (root / "private" / ".globallm-no-llm").write_text("", encoding="utf-8")
    return root


def test_each_issue_is_asked_once_and_a_malformed_answer_is_that_issues_problem(server, tmp_path):
    db = tmp_path / "w.duckdb"
    repo = checkout(tmp_path / "core")
    server.script(
        verdict("bug"), verdict("feature", 5), Reply(body=completion("a bug, I think", 400, 10))
    )
    asked = triage_with_llm.fn(
        ISSUES, "run-1", endpoint(server), LlmPolicy(), db, checkouts={"Acme/Core": repo}
    )
    assert asked.model == "test-model" and asked.version == llm_version(endpoint(server))
    assert asked.version == f"llm-test-model-{registered('issue_triage').sha256[:12]}"
    assert sorted(asked.answers) == ["I_1", "I_2"]
    assert (asked.answers["I_1"].category, asked.answers["I_2"].complexity) == ("bug", 5)
    assert list(asked.problems) == ["I_3"]
    assert asked.problems["I_3"].startswith("malformed LLM answer: the answer is not JSON")
    assert [c.repo for c in asked.calls] == ["acme/core", "acme/core", "acme/app"]
    assert {c.prompt_name for c in asked.calls} == {"issue_triage"}
    assert [c.tokens_in for c in asked.calls] == [400, 400, 400]

    first = server.requests[0].body
    assert first["messages"][0] == {"role": "system", "content": SYSTEM_MESSAGE}
    prompt = first["messages"][1]["content"]
    assert "repository acme/core" in prompt and "Crash when the config is empty" in prompt
    assert "Labels: bug" in prompt and "KeyError" in prompt
    assert "- README.md\n- core/config.py\n- core/deep/nested.py\n" in prompt
    assert ".env" not in prompt and "private/x.py" not in prompt  # opted out: not even named
    other = server.requests[2].body["messages"][1]["content"]
    assert "repository acme/app" in other and "repository's files" not in other  # no checkout

    again = triage_with_llm.fn(
        ISSUES, "run-2", endpoint(server), LlmPolicy(), db, checkouts={"acme/core": repo}
    )
    assert len(server.requests) == 3  # the warehouse cache answered all three
    assert all(call.cache_hit and call.tokens_in == 0 for call in again.calls)
    assert sorted(again.answers) == ["I_1", "I_2"] and list(again.problems) == ["I_3"]


def test_a_failed_request_is_reported_and_the_other_issues_go_on(server, tmp_path):
    server.script(Reply(400, {"error": "bad request"}), verdict("question", 2, solvable=False))
    asked = triage_with_llm.fn(ISSUES[1:], "run-1", endpoint(server), db_path=tmp_path / "w.db")
    assert list(asked.answers) == ["I_3"] and asked.answers["I_3"].solvable is False
    assert asked.problems["I_2"].startswith("LLM request failed:")
    assert "HTTP 400" in asked.problems["I_2"] and KEY not in asked.problems["I_2"]
    assert len(asked.calls) == 1  # no answer, no ledger row


def test_a_long_body_is_shortened_before_it_is_sent(server, tmp_path):
    server.script(verdict("bug"))
    long = ISSUES[0].model_copy(update={"body": "word " * 10_000})
    triage_with_llm.fn([long], "run-1", endpoint(server), db_path=tmp_path / "w.db")
    prompt = server.requests[0].body["messages"][1]["content"]
    assert len(prompt) < 12_000 and "characters omitted" in prompt


def test_without_an_llm_nothing_is_asked(no_llm):
    assert not llm_configured(None) and not llm_configured(LlmEndpoint())
    asked = triage_with_llm.fn(ISSUES, "run-1", None)
    assert asked.model is None and asked.calls == [] and asked.answers == {}
    assert set(asked.problems) == {"I_1", "I_2", "I_3"}


def test_admit_paths_leaves_out_opted_out_paths_shallow_first(tmp_path):
    repo = checkout(tmp_path / "core")
    listed = ["core/deep/nested.py", "private/x.py", ".env", "core/config.py", "README.md"]
    assert admit_paths(repo, listed, LlmPolicy(), 10) == [
        "README.md",
        "core/config.py",
        "core/deep/nested.py",
    ]
    assert admit_paths(repo, listed, LlmPolicy(), 1) == ["README.md"]
