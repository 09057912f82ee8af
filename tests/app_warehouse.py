"""A warehouse made by real flows for the app's tests (fixture `app_warehouse`, registered in
tests/conftest.py), and a helper that opens the app on it.

Built once per session: the fixture workspace plus three campaign repositories are crawled,
built and scored by the real pipeline; the GitHub row of the `core` checkout's upstream, three
GitHub issues and three LLM calls are landed through the same landing code the sources use; then
a real upgrade-python campaign runs (two changes merged, one blocked by the test that pins the
old spelling). The flows publish the snapshot the app reads.
"""

from __future__ import annotations

import dataclasses
import fcntl
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from flows.campaign import CampaignSpec, campaign_run_flow
from flows.campaign_repository import CampaignPolicy
from flows.pipeline import PipelineParams, pipeline_flow
from flows.triage import triage_flow
from settings import Settings
from tests.campaign_repos import make_campaign_repo
from tests.conftest import build_workspace
from warehouse.io import store

APP = Path(__file__).resolve().parents[1] / "app.py"
NOW = datetime.now(UTC)


@dataclass(frozen=True)
class AppWarehouse:
    db: Path
    workspace: Path
    campaign_root: Path
    campaign_run_id: str
    pipeline_run_id: str


def _issue(number: int, title: str, labels: list[str], days_old: int) -> dict:
    created = NOW - timedelta(days=days_old)
    return {
        "issue_id": f"I_kwDO{number:04d}",
        "repo_full_name": "acme/core",
        "number": number,
        "title": title,
        "state": "OPEN",
        "labels": labels,
        "reactions": number,
        "comments": 2 * number,
        "author_association": "CONTRIBUTOR",
        "linked_pull_requests": 0,
        "linked_pulls": [],
        "url": f"https://github.com/acme/core/issues/{number}",
        "created_at": created,
        "updated_at": created,
        "closed_at": None,
        "payload": None,
        "fetched_at": NOW,
    }


# What the GitHub source lands for the checkout's upstream (the columns repo_row fills).
GITHUB_CORE = {
    "repo_id": "github:acme/core",
    "full_name": "acme/core",
    "node_id": "R_kgDOcore",
    "url": "https://github.com/acme/core",
    "description": "The core library",
    "primary_language": "Python",
    "topics": ["http"],
    "stars": 4200,
    "forks": 310,
    "archived": False,
    "is_fork": False,
    "license": "MIT",
    "default_branch": "main",
    "created_at": NOW - timedelta(days=2000),
    "pushed_at": NOW - timedelta(days=2),
    "updated_at": NOW - timedelta(days=1),
    "open_issues": 3,
    "closed_issues": 120,
    "issues_closed_90d": 9,
    "commits_90d": 40,
    "authors_90d": 6,
    "releases": 14,
    "latest_release_at": NOW - timedelta(days=20),
    "ci_state": "SUCCESS",
    "has_security_policy": True,
    "has_codeowners": False,
    "payload": None,
    "fetched_at": NOW,
}

ISSUES = [
    _issue(1, "Crash when the proxy is unset", ["bug"], 40),
    _issue(2, "Token leaks into logs", ["security"], 3),
    _issue(3, "Support HTTP/3", ["enhancement"], 200),
]


def _llm_call(call_id: str, run_id: str, repo: str, hours_ago: float, **values) -> dict:
    return {
        "call_id": call_id,
        "run_id": run_id,
        "prompt_name": "llm_patch",
        "prompt_sha": "0" * 64,
        "model": "scripted-model",
        "cache_hit": False,
        "latency_s": 0.5,
        "called_at": NOW - timedelta(hours=hours_ago),
        "repo": repo,
        **values,
    }


# Two calls of one run this week (one answered from the cache: no tokens, no cost) and an
# older, dearer one of another run on another repository: 1,500 tokens and 0.0042 in 7 days.
LLM_CALLS = [
    _llm_call(
        "call-1", "llm-run", "acme/core", 0, tokens_in=1200, tokens_out=300, cost=0.0042,
        secrets_redacted=1,
    ),
    _llm_call(
        "call-2", "llm-run", "acme/core", 1, tokens_in=0, tokens_out=0, cost=0.0, cache_hit=True,
        secrets_redacted=0,
    ),
    _llm_call(
        "call-3", "old-llm-run", "acme/alpha", 20 * 24, tokens_in=2000, tokens_out=500,
        cost=0.0375, secrets_redacted=0,
    ),
]  # fmt: skip


@pytest.fixture(scope="session")
def app_warehouse(prefect_server, tmp_path_factory: pytest.TempPathFactory) -> AppWarehouse:
    """Built once per session: under xdist the first worker that needs it builds it (minutes on
    a loaded machine) in the session's shared temporary folder and the others wait for it, then
    read the same files. Every user only reads it (the published snapshot, read-only)."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return build_app_warehouse(tmp_path_factory.mktemp("app"))
    shared = tmp_path_factory.getbasetemp().parent / "app-warehouse"  # this session's, all workers
    shared.mkdir(exist_ok=True)
    built = shared / "built.json"
    with (shared / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, even on a failure
        if built.exists():
            fields = json.loads(built.read_text())
            return AppWarehouse(**{k: Path(v) if k in _PATHS else v for k, v in fields.items()})
        warehouse = build_app_warehouse(Path(tempfile.mkdtemp(prefix="app", dir=shared)))
        built.write_text(json.dumps({k: str(v) for k, v in dataclasses.asdict(warehouse).items()}))
        return warehouse


_PATHS = {"db", "workspace", "campaign_root"}


def build_app_warehouse(root: Path) -> AppWarehouse:
    workspace = build_workspace(root / "workspace")
    campaign_root = root / "campaign"
    for name in ("alpha", "beta"):
        make_campaign_repo(campaign_root, name)
    make_campaign_repo(campaign_root, "gamma", pins_old_spelling=True)
    db = root / "warehouse.duckdb"
    with store.connect(db) as con:
        store.land(con, "raw_github_issues", ISSUES)
        store.land(con, "raw_github_repositories", [GITHUB_CORE])
        store.land(con, "ledger_llm_calls", LLM_CALLS)
    settings = Settings()
    crawl = settings.crawl.model_copy(update={"include_environment": False})
    triage_flow(db_path=db, rank=False)  # the pipeline's build then ranks the triaged issues
    pipeline = pipeline_flow(
        db_path=db, params=PipelineParams(paths=[workspace, campaign_root / "work"], crawl=crawl)
    )
    campaign = campaign_run_flow(
        db_path=db,
        spec=CampaignSpec(
            recipe="upgrade-python",
            options={"target_version": "3.12"},
            paths=[campaign_root / "work"],
            runs_dir=root / "runs",
        ),
        policy=CampaignPolicy(),
    )
    return AppWarehouse(
        db=db,
        workspace=workspace,
        campaign_root=campaign_root,
        campaign_run_id=campaign.run_id,
        pipeline_run_id=pipeline.run_id,
    )


def open_app(
    db: Path, monkeypatch: pytest.MonkeyPatch, page: str | None = None, timeout: float = 30
) -> AppTest:
    """The app on warehouse `db`, run once, switched to `page` (e.g. "app_pages/sql.py")."""
    monkeypatch.setenv("GLOBALLM_DB", str(db))
    at = AppTest.from_file(str(APP), default_timeout=timeout)
    at.run()
    if page is not None:
        at.switch_page(page)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def open_young_warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, page: str) -> AppTest:
    """`page` on a warehouse with the schema and no marts yet (before the first build)."""
    db = tmp_path / "young.duckdb"
    with store.connect(db):
        pass
    at = open_app(db, monkeypatch, page=page)
    assert "globallm run" in " ".join(block.value for block in at.info)
    return at
