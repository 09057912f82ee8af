"""The loop end to end, as a maintainer runs it: `discover` and `issues` against the fake GitHub
(issues with labels and bodies), the LLM triage and the patches from a scripted OpenAI-compatible
server on loopback, then `solve --top 3` over repositories whose remotes are local bare ones.

alpha has a crawled workspace checkout (its tests known: its simple bug is LOW and merges); beta
is cloned through `solve.clone_url_template` (a harder issue: HIGH, opened for a person);
gamma's issue is a security report (never attempted). A second `solve` does nothing twice.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli.main import app
from flows.pipeline import PipelineParams, pipeline_flow
from settings import CrawlSettings
from tests.campaign_repos import make_campaign_repo, remote_file
from tests.fakes.github_data import GitHubData
from tests.fakes.openai_server import Reply, ScriptedServer, completion
from tests.github_source import rows
from tests.gitrepos import git

runner = CliRunner()

ISSUES = {
    "acme/alpha": ("client uses legacy_fetch", "`app/client.py` still calls legacy_fetch.", "bug"),
    "acme/beta": ("core should use fetch", "Store.load in `app/core.py` calls it.", "bug"),
    "acme/gamma": ("token leak in the client", "app/client.py logs the token.", "security"),
}


def triage(category: str, complexity: int, scope: list[str]) -> Reply:
    answer = {
        "category": category,
        "complexity": complexity,
        "scope": scope,
        "breaking_risk": "low",
        "solvable": category != "security",
        "solvable_reason": "a one-line change",
        "confidence": 0.9,
    }
    return Reply(body=completion(json.dumps(answer), tokens_in=400, tokens_out=60))


def edits(path: str, search: str, replace: str) -> Reply:
    answer = {
        "edits": [{"path": path, "search": search, "replace": replace}],
        "summary": f"use fetch in {path}",
        "confidence": 0.9,
    }
    return Reply(body=completion(json.dumps(answer)))


@pytest.fixture
def llm(monkeypatch: pytest.MonkeyPatch):
    with ScriptedServer() as scripted:
        monkeypatch.setenv("GLOBALLM_LLM_BASE_URL", scripted.base_url)
        monkeypatch.setenv("GLOBALLM_LLM_API_KEY", "sk-e2e-test")  # pragma: allowlist secret
        monkeypatch.setenv("GLOBALLM_LLM__REQUESTS_PER_MINUTE", "6000")
        yield scripted


@pytest.mark.usefixtures("prefect_server")
def test_crawl_triage_rank_solve_and_resume(
    github: GitHubData, llm: ScriptedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    for full_name, (title, body, label) in ISSUES.items():
        github.add_repository(full_name, 5000, "Python")
        github.add_issues(full_name, 1, title=title, body=body, labels=[label])
        make_campaign_repo(tmp_path, full_name.split("/")[1])
    alpha = tmp_path / "work" / "alpha"
    git(alpha, "remote", "set-url", "origin", "https://github.com/acme/alpha.git")
    db = tmp_path / "w.duckdb"
    pipeline_flow(  # the workspace crawl: alpha's checkout and its tests
        db_path=db,
        params=PipelineParams(paths=[alpha], crawl=CrawlSettings(include_environment=False)),
    )
    (tmp_path / "gitconfig").write_text(  # alpha's fetches and pushes reach its bare remote
        f'[url "{tmp_path}/remotes/alpha.git"]\n\tinsteadOf = https://github.com/acme/alpha.git\n'
    )
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))
    monkeypatch.setenv("GLOBALLM_SOLVE__CLONE_URL_TEMPLATE", f"{tmp_path}/remotes/{{name}}.git")

    cli = ["--db", str(db)]
    found = runner.invoke(app, [*cli, "discover", "--language", "python", "--no-rank"])
    assert found.exit_code == 0, found.output
    llm.script(
        triage("bug", 2, ["app/client.py"]),
        triage("bug", 6, ["app.core"]),
        triage("security", 2, ["app/client.py"]),
    )
    for full_name in ISSUES:
        read = runner.invoke(app, [*cli, "issues", "--repo", full_name])
        assert read.exit_code == 0, read.output
    assert len(llm.requests) == 3  # one triage request per issue, each through the gate
    queue = runner.invoke(app, [*cli, "prioritize", "--issues", "--format", "json"])
    decided = {row["repo"]: (row["risk"], row["decision"]) for row in json.loads(queue.output)}
    assert decided == {
        "acme/alpha": ("LOW", "auto-merge"),
        "acme/beta": ("HIGH", "open"),
        "acme/gamma": ("CRITICAL", "never"),
    }

    ranked = [row["repo"] for row in json.loads(queue.output) if row["decision"] != "never"]
    patches = {
        "acme/alpha": edits("app/client.py", "acme_http.legacy_fetch(url)", "acme_http.fetch(url)"),
        "acme/beta": edits("app/core.py", "legacy_fetch(url)  # keep", "legacy_fetch(url)  # kept"),
    }
    llm.script(*(patches[repo] for repo in ranked))  # asked in rank order
    solved = runner.invoke(app, [*cli, "solve", "--top", "3"])
    assert solved.exit_code == 0, solved.output
    assert "2 issues · 2 attempted, 0 skipped, 0 failed" in solved.output
    assert "1 issue(s) in range are never automated" in solved.output
    assert "acme_http.fetch(url)" in remote_file(alpha, "main", "app/client.py")
    states = dict(rows(db, "SELECT repo, state FROM ledger_changes"))
    assert sorted(states.values()) == ["MERGED", "OPEN"]
    gamma = rows(db, "SELECT count(*) FROM ledger_plan_items WHERE source LIKE '%acme/gamma%'")
    assert gamma == [(0,)]  # the security issue was never attempted

    again = runner.invoke(app, [*cli, "solve", "--top", "3"])
    assert again.exit_code == 0, again.output
    assert "0 issues · 0 attempted" in again.output and len(llm.requests) == 5
    assert "Traceback" not in found.output + solved.output + again.output
