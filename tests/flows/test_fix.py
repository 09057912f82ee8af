"""`fix`: an LLM's edits (from a scripted OpenAI-compatible server) through the fix pipeline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fixers.gate import MergePolicy
from flows.campaign_repository import CampaignPolicy
from flows.fix import fix_flow
from tasks.llm.endpoint import LlmEndpoint
from tasks.llm.fix import IssueSpec
from tests.campaign_repos import make_campaign_repo, remote_file
from tests.fakes.openai_server import Reply, ScriptedServer, completion
from warehouse.io import store

ISSUE = IssueSpec(url="https://example.test/acme/alpha/issues/7", title="stop using legacy_fetch")
# A change carries the confidence the model gave its edits (0.9 here, 0.7 without one).
POLICY = CampaignPolicy(merge=MergePolicy(min_confidence=0.6))


def answer(path: str, search: str, replace: str) -> dict:
    edits = {
        "edits": [{"path": path, "search": search, "replace": replace}],
        "summary": f"edit {path}",
        "confidence": 0.9,
    }
    return completion(json.dumps(edits))


@pytest.fixture
def server(monkeypatch):
    with ScriptedServer() as scripted:
        monkeypatch.setenv("GLOBALLM_LLM_API_KEY", "sk-fix-test")  # pragma: allowlist secret
        yield scripted


def endpoint(server: ScriptedServer) -> LlmEndpoint:
    """The scripted server as the flow's `llm` value (the key stays in the environment)."""
    return LlmEndpoint(base_url=server.base_url, model="test-model", requests_per_minute=6000)


def run_fix(db: Path, repo: Path, files: list[str], llm: LlmEndpoint | None = None):
    return fix_flow(
        db_path=db,
        issue=ISSUE,
        repo_path=repo,
        files=files,
        runs_dir=db.parent / "runs",
        policy=POLICY,
        llm=llm,
    )


def rows(db: Path, sql: str) -> list[tuple]:
    with store.connect(db, read_only=True) as con:
        return con.execute(sql).fetchall()


def test_valid_edits_are_verified_merged_and_attributed_to_the_model(
    prefect_server, server, tmp_path
):
    repo = make_campaign_repo(tmp_path, "alpha")
    server.script(
        Reply(body=answer("app/client.py", "acme_http.legacy_fetch(url)", "acme_http.fetch(url)"))
    )
    db = tmp_path / "w.duckdb"
    summary = run_fix(db, repo, ["app/client.py"], endpoint(server))
    assert summary.states == {"MERGED": 1} and summary.model == "test-model"
    assert "acme_http.fetch(url)" in remote_file(repo, "main", "app/client.py")
    touched = rows(db, "SELECT file_path, by_whom, why, confidence FROM ledger_files_touched")
    assert touched[0][:2] == ("app/client.py", "llm:test-model")
    assert "edit app/client.py" in touched[0][2] and touched[0][3] == 0.9  # the model's
    source = rows(db, "SELECT source FROM ledger_plan_items")
    assert source == [(ISSUE.url,)]
    calls = rows(db, "SELECT prompt_name, model, tokens_in, tokens_out FROM ledger_llm_calls")
    assert calls == [("llm_patch", "test-model", 1200, 300)]


def test_failures_of_each_kind_are_recorded_and_the_good_edit_goes_on(
    prefect_server, server, tmp_path
):
    repo = make_campaign_repo(tmp_path, "beta")
    server.script(
        Reply(status=429, headers={"Retry-After": "1"}, body={"error": "slow down"}),
        Reply(body=answer("app/client.py", "acme_http.legacy_fetch(url)", "acme_http.fetch(url)")),
        Reply(status=500, body={"error": "boom"}),
        Reply(body=answer("app/core.py", "text that is not there", "x")),
        Reply(body=completion("this is not JSON")),
    )
    db = tmp_path / "w.duckdb"
    summary = run_fix(db, repo, ["app/client.py", "app/core.py", "acme_http.py"], endpoint(server))
    assert len(server.requests) == 5  # one retry after the 429, one after the 500
    assert summary.states == {"MERGED": 1}
    assert "malformed LLM answer" in summary.problems["acme_http.py"]
    items = dict(rows(db, "SELECT file_path, status || ': ' || reason FROM ledger_plan_items"))
    assert items["app/client.py"].startswith("MERGED")
    assert items["app/core.py"].startswith("FAILED") and "matches 0 times" in items["app/core.py"]
    assert items["acme_http.py"].startswith("FAILED: malformed LLM answer")
    assert rows(db, "SELECT count(*) FROM ledger_llm_calls") == [(3,)]


def test_without_an_llm_the_step_is_skipped_with_that_reason(prefect_server, tmp_path, no_llm):
    repo = make_campaign_repo(tmp_path, "gamma")
    db = tmp_path / "w.duckdb"
    summary = run_fix(db, repo, ["app/client.py"])
    assert summary.model is None and summary.states == {} and summary.skipped == 1
    reason = rows(db, "SELECT status, reason FROM ledger_plan_items")
    assert reason == [("SKIPPED", "no LLM configured: the llm-patch step was skipped")]
    assert rows(db, "SELECT count(*) FROM ledger_changes") == [(0,)]
