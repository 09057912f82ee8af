"""`solve`: the work queue's top issues through the real fix pipeline, on repositories with bare
remotes, with a scripted OpenAI-compatible server on loopback answering the patches.

alpha is a crawled workspace checkout (its tests known: a simple issue is LOW and merges),
beta has no checkout (cloned from its bare remote through the clone URL template; its tests
unknown, so even a simple issue is MEDIUM at best), gamma's issue is a security report (never
automated). A second solve does nothing twice.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from fixers.gate import MergePolicy
from flows.campaign_repository import CampaignPolicy
from flows.pipeline import PipelineParams, pipeline_flow
from flows.score import Scoring, build_and_score
from flows.solve import SolveParams, solve_flow
from scoring.budget import BudgetLimits
from settings import CrawlSettings
from tasks.llm.endpoint import LlmEndpoint
from tests.campaign_repos import make_campaign_repo, remote_file
from tests.fakes.openai_server import Reply, ScriptedServer, completion
from tests.gitrepos import git
from warehouse.io import store

NOW = datetime.now(UTC)
POLICY = CampaignPolicy(merge=MergePolicy(min_confidence=0.8))


def issue(repo: str, number: int, title: str, body: str, labels: list[str]) -> dict:
    at = NOW - timedelta(days=3)
    return {
        "issue_id": f"I_{repo}_{number}",
        "repo_full_name": repo,
        "number": number,
        "title": title,
        "body": body,
        "state": "OPEN",
        "labels": labels,
        "reactions": 4,
        "comments": 2,
        "author_association": "NONE",
        "linked_pull_requests": 0,
        "url": f"https://github.com/{repo}/issues/{number}",
        "created_at": at - timedelta(days=30),
        "updated_at": at,
        "closed_at": None,
        "payload": None,
        "fetched_at": NOW,
        "linked_pulls": "[]",
    }


def verdict(row: dict, category: str, complexity: int, scope: list[str]) -> dict:
    return {
        "issue_id": row["issue_id"],
        "issue_updated_at": row["updated_at"],
        "model_version": "llm-test-model-0",
        "method": "llm:test-model",
        "category": category,
        "complexity": complexity,
        "scope": scope,
        "breaking_risk": "low",
        "solvable": True,
        "solvable_reason": "a one-line change",
        "confidence": 0.9,
        "triaged_at": NOW,
    }


ALPHA = issue("acme/alpha", 1, "client uses legacy_fetch", "app/client.py calls it.", ["bug"])
BETA = issue("acme/beta", 2, "core should use fetch", "Store.load in app/core.py", ["bug"])
GAMMA = issue("acme/gamma", 3, "token leak in client", "app/client.py logs it", ["security"])


def edits(path: str, search: str, replace: str, tokens_in: int = 1200) -> Reply:
    answer = {
        "edits": [{"path": path, "search": search, "replace": replace}],
        "summary": f"use fetch in {path}",
        "confidence": 0.9,
    }
    return Reply(body=completion(json.dumps(answer), tokens_in=tokens_in))


@pytest.fixture
def queue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
):
    """The warehouse with the three issues ranked, and the repositories' roots.

    Built by the real flows once per test process (a crawl and two dbt builds: the longest part
    of these tests), then copied for each test, which writes to its own copy. The warehouse and
    the repositories' remotes name the absolute path the build ran in, `live`; each test's copy
    is reached through it (a symbolic link, re-pointed per test: one process runs one test at a
    time), so every path they name is the test's own.
    """
    base = tmp_path_factory.getbasetemp() / "solve-queue"
    live, template = base / "root", base / "template"
    if not template.exists():  # the first test here in this process, or one after a failed build
        if live.is_symlink():
            live.unlink()
        shutil.rmtree(live, ignore_errors=True)
        live.mkdir(parents=True)
        _build_queue(live, monkeypatch)
        live.rename(template)
    copy = tmp_path / "queue"
    shutil.copytree(template, copy, symlinks=True)
    live.unlink(missing_ok=True)
    live.symlink_to(copy, target_is_directory=True)
    _route_alpha_to_its_remote(live, monkeypatch)
    return live / "w.duckdb", live


def _route_alpha_to_its_remote(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """git's insteadOf sends alpha's fetches and pushes to the bare remote, as a mirror would."""
    gitconfig = root / "gitconfig"
    gitconfig.write_text(
        f'[url "{root}/remotes/alpha.git"]\n\tinsteadOf = https://github.com/acme/alpha.git\n'
    )
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))


def _build_queue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("alpha", "beta", "gamma"):
        make_campaign_repo(tmp_path, name)
    alpha = tmp_path / "work" / "alpha"
    # alpha's checkout is of the GitHub repository (its canonical URL links the two); git's
    # insteadOf sends its fetches and pushes to the bare remote, as a mirror would
    git(alpha, "remote", "set-url", "origin", "https://github.com/acme/alpha.git")
    db = tmp_path / "w.duckdb"
    crawl = CrawlSettings(include_environment=False)
    pipeline_flow(db_path=db, params=PipelineParams(paths=[alpha], crawl=crawl))
    _route_alpha_to_its_remote(tmp_path, monkeypatch)
    with store.connect(db) as con:
        store.land(con, "raw_github_issues", [ALPHA, BETA, GAMMA])
        store.land(
            con,
            "raw_issue_triage",
            [
                verdict(ALPHA, "bug", 2, ["app/client.py"]),
                verdict(BETA, "bug", 6, ["app.core"]),
                verdict(GAMMA, "security", 2, ["app/client.py"]),
            ],
        )
    build_and_score(db, Scoring(), "test")


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch):
    with ScriptedServer() as scripted:
        monkeypatch.setenv("GLOBALLM_LLM_API_KEY", "sk-solve-test")  # pragma: allowlist secret
        yield scripted


def solve(
    db: Path, root: Path, llm: LlmEndpoint | None, top: int = 3, budgets: BudgetLimits | None = None
):
    params = SolveParams(
        top=top,
        clone_url_template=f"{root}/remotes/{{name}}.git",
        checkouts_dir=root / "checkouts",
        runs_dir=root / "runs",
    )
    return solve_flow(db_path=db, params=params, policy=POLICY, llm=llm, budgets=budgets)


def rows(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    with store.connect(db, read_only=True) as con:
        return con.execute(sql, params).fetchall()


def test_the_queue_decides_what_automation_may_do(queue):
    db, _ = queue
    decided = rows(db, "SELECT repo, risk, decision FROM fct_issue_priority ORDER BY repo")
    assert decided == [
        ("acme/alpha", "LOW", "auto-merge"),
        ("acme/beta", "HIGH", "open"),
        ("acme/gamma", "CRITICAL", "never"),
    ]


def test_solve_merges_the_low_opens_the_high_never_touches_security_and_resumes(
    prefect_server, queue, server
):
    db, root = queue
    llm = LlmEndpoint(base_url=server.base_url, model="test-model", requests_per_minute=6000)
    server.script(  # one repository after another, in rank order: beta's issue ranks higher
        edits("app/core.py", "legacy_fetch(url)  # keep", "legacy_fetch(url)  # kept"),
        edits("app/client.py", "acme_http.legacy_fetch(url)", "acme_http.fetch(url)"),
    )
    summary = solve(db, root, llm)
    assert [outcome.repo for outcome in summary.outcomes] == ["acme/beta", "acme/alpha"]
    by_repo = {outcome.repo: outcome for outcome in summary.outcomes}
    assert set(by_repo) == {"acme/alpha", "acme/beta"}
    assert summary.never == [GAMMA["url"]]
    assert by_repo["acme/alpha"].states == {"MERGED": 1}
    assert "acme_http.fetch(url)" in remote_file(root / "work" / "alpha", "main", "app/client.py")
    assert by_repo["acme/beta"].states == {"OPEN": 1}  # HIGH: a person reviews it
    assert (root / "checkouts" / "acme" / "beta" / ".git").is_dir()  # cloned from the template
    assert len(server.requests) == 2
    sources = rows(db, "SELECT DISTINCT source FROM ledger_plan_items ORDER BY 1")
    assert sources == [(ALPHA["url"],), (BETA["url"],)]
    confidences = rows(db, "SELECT DISTINCT confidence, risk FROM ledger_plan_items ORDER BY 2")
    assert confidences == [(0.9, "HIGH"), (0.9, "LOW")]  # the model's, the triage's
    calls = rows(db, "SELECT DISTINCT repo FROM ledger_llm_calls ORDER BY 1")
    assert calls == [("acme/alpha",), ("acme/beta",)]
    fixes = rows(db, "SELECT parent_run_id FROM ledger_runs WHERE kind = 'fix'")
    assert fixes == [(summary.run_id,)] * 2

    again = solve(db, root, llm)
    assert again.candidates == 0 and again.outcomes == []
    assert len(server.requests) == 2  # nothing asked twice, nothing proposed twice


def test_without_an_llm_every_issue_is_skipped_with_the_reason(prefect_server, queue, monkeypatch):
    db, root = queue
    monkeypatch.delenv("GLOBALLM_LLM_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    summary = solve(db, root, None)
    assert summary.skipped == 2 and summary.attempted == 0
    assert summary.notice and "no LLM configured" in summary.notice
    events = rows(
        db, "SELECT subject_id, state, detail FROM ledger_events WHERE subject_kind = 'issue'"
    )
    assert sorted(e[0] for e in events) == [ALPHA["url"], BETA["url"]]
    assert {e[1] for e in events} == {"SKIPPED"} and "no LLM configured" in events[0][2]
    assert not (root / "checkouts").exists()  # nothing cloned for nothing


def test_a_spent_token_budget_stops_the_next_issue_and_it_is_tried_again_later(
    prefect_server, queue, server
):
    db, root = queue
    llm = LlmEndpoint(
        base_url=server.base_url,
        model="test-model",
        requests_per_minute=6000,
        max_answer_tokens=100,
    )
    server.script(  # beta's answer uses 5,300 of the week's 5,500 tokens
        edits("app/core.py", "legacy_fetch(url)  # keep", "legacy_fetch(url)  # kept", 5000),
    )
    summary = solve(db, root, llm, budgets=BudgetLimits(tokens_per_week=5_500))
    beta, alpha = summary.outcomes
    assert beta.states == {"OPEN": 1} and beta.tokens == 5_300
    assert alpha.status == "SKIPPED" and alpha.reason.startswith("budget: this request needs")
    assert "200 are left" in alpha.reason and len(server.requests) == 1  # never asked
    sql = "SELECT DISTINCT status FROM ledger_plan_items WHERE source = ?"
    assert rows(db, sql, [ALPHA["url"]]) == [("SKIPPED",)]  # nothing half-applied
    assert remote_file(root / "work" / "alpha", "main", "app/client.py").count("legacy_fetch")

    spent = solve(db, root, llm, budgets=BudgetLimits(tokens_per_week=5_000))
    assert [o.status for o in spent.outcomes] == ["SKIPPED"]  # alpha again, beta is held
    assert spent.outcomes[0].reason.startswith("budget: 5,300 of 5,000 LLM tokens are used")
    events = rows(db, "SELECT detail FROM ledger_events WHERE subject_kind = 'issue'")
    assert len(events) == 2 and all(d.startswith("budget: ") for (d,) in events)

    server.script(edits("app/client.py", "acme_http.legacy_fetch(url)", "acme_http.fetch(url)"))
    later = solve(db, root, llm)  # a new budget (no limit here): the stopped issue is tried
    assert [(o.repo, o.states) for o in later.outcomes] == [("acme/alpha", {"MERGED": 1})]


def test_the_coverage_of_the_last_verification_feeds_solvability(queue):
    db, _ = queue
    sql = "SELECT solvability FROM fct_issue_priority WHERE repo = 'acme/alpha'"
    [(before,)] = rows(db, sql)
    with store.connect(db) as con:
        store.land(
            con,
            "ledger_changes",
            [
                {
                    "change_id": "c1",
                    "repo": "https://github.com/acme/alpha.git",
                    "state": "MERGED",
                    "merged": True,
                    "reverted": False,
                    "created_at": NOW,
                }
            ],
        )
        store.land(
            con,
            "ledger_verifications",
            [{"change_id": "c1", "tests_after": 3, "passed_after": 3, "coverage_after": 40.0}],
        )
    build_and_score(db, Scoring(), "test")
    [(after,)] = rows(db, sql)
    coverage = rows(db, "SELECT canonical_url, last_coverage FROM int_repo_verifications")
    assert coverage == [("https://github.com/acme/alpha", 0.4)]
    assert after < before  # 40 % covered is a thinner safety net than "has tests"
