"""The triage flow's LLM method against a scripted OpenAI-compatible server on 127.0.0.1: rows
by the model, an issue it answered badly triaged offline instead (and said so), every call in
`ledger_llm_calls`, and an unchanged issue never asked twice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flows.triage import NoLlmConfigured, TriageMethod, TriageOptions, triage_flow
from tasks.llm.endpoint import LlmEndpoint
from tests.fakes.openai_server import Reply, ScriptedServer, completion
from tests.flows.test_triage import issue, labelled_history, land
from warehouse.io import store

OPEN = [
    issue(1, "Crash on start", "Traceback (most recent call last):\nValueError", []),
    issue(2, "Add support for YAML files", "It would be nice to read YAML as well.", []),
    issue(3, "How do I configure the proxy?", "I could not find it anywhere.", []),
]


def verdict(category: str, complexity: int, solvable: bool = True) -> Reply:
    answer = {
        "category": category,
        "complexity": complexity,
        "scope": ["core/start.py"],
        "breaking_risk": "low",
        "solvable": solvable,
        "solvable_reason": f"a small {category} change",
        "confidence": 0.9,
    }
    return Reply(body=completion(json.dumps(answer), tokens_in=500, tokens_out=50))


MALFORMED = Reply(body=completion('{"category": "enhancement"}', tokens_in=500, tokens_out=50))


@pytest.fixture
def server(monkeypatch):
    with ScriptedServer() as scripted:
        monkeypatch.setenv("GLOBALLM_LLM_API_KEY", "sk-triage-flow")  # pragma: allowlist secret
        yield scripted


def endpoint(server: ScriptedServer) -> LlmEndpoint:
    return LlmEndpoint(
        base_url=server.base_url, model="test-model", requests_per_minute=6000, max_retries=0
    )


def rows(db: Path, sql: str) -> list[tuple]:
    with store.connect(db, read_only=True) as con:
        return con.execute(sql).fetchall()


TRIAGE = (
    "SELECT issue_id, method, category, complexity, solvable FROM raw_issue_triage ORDER BY 1, 2"
)


def test_llm_rows_and_a_heuristic_fallback_then_nothing_asked_twice(
    prefect_server, server, tmp_path
):
    db = tmp_path / "w.duckdb"
    land(db, OPEN)
    server.script(verdict("bug", 3), verdict("feature", 5), MALFORMED)
    first = triage_flow(
        db_path=db, method=TriageMethod.llm, options=TriageOptions(llm=endpoint(server)), rank=False
    )
    assert (first.method, first.triaged, first.open_issues) == ("llm", 3, 3)
    assert first.version.startswith("llm-test-model-") and len(first.version) == 27
    assert (first.llm_calls, first.cache_hits, first.tokens) == (3, 0, 1650)
    assert first.fallbacks == 1
    assert first.fallback_reason.startswith("malformed LLM answer: the answer lacks complexity")
    assert "1 issue(s) fell back to the heuristic: malformed" in first.notice
    assert rows(db, TRIAGE) == [
        ("I_1", "llm:test-model", "bug", 3, True),
        ("I_2", "llm:test-model", "feature", 5, True),
        ("I_3", "heuristic", "question", 5, False),
    ]
    versions = rows(db, "SELECT DISTINCT model_version FROM raw_issue_triage ORDER BY 1")
    assert versions == [("heuristic-1",), (first.version,)]
    calls = rows(
        db, "SELECT prompt_name, model, repo, tokens_in FROM ledger_llm_calls ORDER BY repo"
    )
    assert calls == [
        ("issue_triage", "test-model", "acme/app", 500),
        ("issue_triage", "test-model", "acme/core", 500),
        ("issue_triage", "test-model", "acme/core", 500),
    ]

    # auto with an LLM configured is the LLM; the two it answered are not asked again, and the
    # malformed answer comes from the warehouse cache: the server hears nothing new
    again = triage_flow(db_path=db, options=TriageOptions(llm=endpoint(server)), rank=False)
    assert again.method == "llm" and len(server.requests) == 3
    assert (again.llm_calls, again.cache_hits, again.tokens, again.fallbacks) == (1, 1, 0, 1)
    assert len(rows(db, TRIAGE)) == 3


def test_a_failed_request_falls_back_to_the_classifier_when_labels_train_one(
    prefect_server, server, tmp_path
):
    db = tmp_path / "w.duckdb"
    land(db, labelled_history())
    land(db, OPEN)
    server.script(verdict("bug", 2), Reply(400, {"error": "context too long"}), MALFORMED)
    summary = triage_flow(db_path=db, options=TriageOptions(llm=endpoint(server)), rank=False)
    assert (summary.method, summary.triaged, summary.fallbacks) == ("llm", 3, 2)
    assert summary.fallback_reason.startswith("LLM request failed:")
    assert "HTTP 400" in summary.fallback_reason and summary.llm_calls == 2
    assert "2 issue(s) fell back to the classifier" in summary.notice
    methods = rows(db, "SELECT issue_id, method FROM raw_issue_triage ORDER BY 1")
    assert methods == [("I_1", "llm:test-model"), ("I_2", "classifier"), ("I_3", "classifier")]


def test_without_an_llm_auto_is_offline_and_the_llm_method_fails_clearly(
    prefect_server, no_llm, tmp_path
):
    db = tmp_path / "w.duckdb"
    land(db, OPEN)
    with pytest.raises(NoLlmConfigured, match="no LLM configured"):
        triage_flow(db_path=db, method=TriageMethod.llm, rank=False)
    offline = triage_flow(db_path=db, options=TriageOptions(llm=LlmEndpoint()), rank=False)
    assert (offline.method, offline.triaged, offline.llm_calls) == ("heuristic", 3, 0)
    assert rows(db, "SELECT count(*) FROM ledger_llm_calls") == [(0,)]


def test_a_spent_token_budget_stops_the_asking_and_the_rest_is_triaged_offline(
    prefect_server, server, tmp_path
):
    from scoring.budget import BudgetLimits

    db = tmp_path / "w.duckdb"
    land(db, OPEN)
    server.script(verdict("bug", 3))  # 550 tokens: the week's 1,000 cannot pay for another
    llm = endpoint(server).model_copy(update={"max_answer_tokens": 100})
    options = TriageOptions(llm=llm, budgets=BudgetLimits(tokens_per_week=1_000))
    summary = triage_flow(db_path=db, method=TriageMethod.llm, options=options, rank=False)
    assert len(server.requests) == 1 and summary.llm_calls == 1
    assert summary.fallbacks == 2 and summary.fallback_reason.startswith("budget: 550 of 1,000")
    methods = rows(db, "SELECT method FROM raw_issue_triage ORDER BY issue_id")
    assert methods == [("llm:test-model",), ("heuristic",), ("heuristic",)]
