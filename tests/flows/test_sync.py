"""`runs sync` against the fake GitHub on 127.0.0.1: a campaign opens pull requests, GitHub
merges one and a person closes another, and the sync reads them back into the ledger."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr
from typer.testing import CliRunner

from fixers.lifecycle import Change, ChangeState
from flows.cli.main import app
from flows.sync import sync_flow
from tasks.github.http import GitHubConfig, GitHubEndpoint
from tasks.pulls.github_api import open_pull_request
from tasks.pulls.provider import ProviderError
from tests.campaign_repos import make_campaign_repo, run_upgrade
from tests.fakes.github_server import GitHubServer, SchemaUnavailable, gateway_error, load_schema
from tests.flows.test_campaign_github import TOKEN, RemoteBranches
from tests.gitrepos import git
from warehouse.io import ledger, store

MAX_RETRIES = 2  # a read is tried three times
MERGE_SHA = "f" * 40
CHANGE_COLUMNS = "change_id, state, merged, merge_sha, updated_at"


def fast_endpoint(fake: GitHubServer) -> GitHubEndpoint:
    """The fake's endpoint with quick retries: the value the flows pass to the tasks."""
    return GitHubEndpoint(
        api_url=fake.base_url,
        graphql_url=fake.graphql_url,
        max_retries=MAX_RETRIES,
        backoff_s=0.01,
        max_backoff_s=0.05,
    )


def fast_config(fake: GitHubServer) -> GitHubConfig:
    return GitHubConfig(**fast_endpoint(fake).model_dump(), token=SecretStr(TOKEN))


def serve(monkeypatch: pytest.MonkeyPatch, fake: GitHubServer) -> GitHubServer:
    """Point the CLI at the fake through the environment the settings read (the older names
    for the URLs, GLOBALLM_GITHUB__* for quick retries); the token as GITHUB_TOKEN."""
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("GITHUB_API_URL", fake.base_url)
    monkeypatch.setenv("GITHUB_GRAPHQL_URL", fake.graphql_url)
    monkeypatch.setenv("GLOBALLM_GITHUB__MAX_RETRIES", str(MAX_RETRIES))
    monkeypatch.setenv("GLOBALLM_GITHUB__BACKOFF_S", "0.01")
    monkeypatch.setenv("GLOBALLM_GITHUB__MAX_BACKOFF_S", "0.05")
    return fake


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch):
    try:
        schema = load_schema()
    except SchemaUnavailable as error:
        pytest.skip(str(error))
    with GitHubServer(TOKEN, schema=schema) as fake:
        yield serve(monkeypatch, fake)
        assert fake.invalid_queries == [], "globallm sent GraphQL that GitHub would reject"


def github_repo(tmp_path: Path, fake: GitHubServer, name: str) -> None:
    """A campaign repository whose origin looks like github.com/acme/NAME to globallm."""
    repo = make_campaign_repo(tmp_path, name)
    bare = git(repo, "remote", "get-url", "origin").strip()
    git(repo, "remote", "set-url", "origin", f"https://github.com/acme/{name}")
    git(repo, "config", f"url.{bare}.insteadOf", f"https://github.com/acme/{name}")
    fake.add_repo("acme", name).branches = RemoteBranches(Path(bare))


def changes(db: Path) -> dict[str, tuple]:
    """repo name -> (change_id, state, merged, merge_sha, updated_at)."""
    with store.connect(db, read_only=True) as con:
        rows = con.execute(f"SELECT repo, {CHANGE_COLUMNS} FROM ledger_changes").fetchall()
    return {Path(r[0]).name: r[1:] for r in rows}


def sync_events(db: Path, change_id: str) -> list[tuple[str, str]]:
    with store.connect(db, read_only=True) as con:
        return con.execute(
            "SELECT state, detail FROM ledger_events WHERE subject_id = ?"
            " AND starts_with(detail, 'sync') ORDER BY occurred_at",
            [change_id],
        ).fetchall()


def reads(fake: GitHubServer) -> tuple[int, int]:
    """(pull request reads, check-run reads) so far."""
    return len(fake.seen("GET /pull")), len(fake.seen("GET /check-runs"))


def test_sync_reads_merged_closed_and_open_pull_requests_back(prefect_server, github, tmp_path):
    for name in ("alpha", "beta", "gamma"):
        github_repo(tmp_path, github, name)
    db, summary = run_upgrade(tmp_path, provider="github", github=fast_endpoint(github))
    assert summary.states == {"OPEN": 3}
    # a sync reads the oldest change first: that one is merged, and GitHub fails its first read
    with store.connect(db, read_only=True) as con:
        order = [Path(c["repo"]).name for c in ledger.open_changes(con, "github")]
    merged, closed, still_open = order
    ids = {name: row[0] for name, row in changes(db).items()}
    pull = {p["base"]["repo"]["name"]: p for p in github.pulls}
    # auto-merged after its checks ran; closed by a person; checks still running
    github.add_check_runs(
        "acme",
        merged,
        pull[merged]["head"]["sha"],
        [
            ("lint", "completed", "success"),
            ("test", "completed", "success"),
            ("docs", "completed", "skipped"),
            ("e2e", "completed", "failure"),
        ],
    )
    github.add_check_runs(
        "acme", still_open, pull[still_open]["head"]["sha"], [("t", "queued", None)]
    )
    github.merge_pull("acme", merged, 1, merge_sha=MERGE_SHA)
    github.close_pull("acme", closed, 1)
    github.inject("GET /pull", *[gateway_error(apply=False)] * (MAX_RETRIES + 1))
    requests_before = len(github.requests)

    first = sync_flow(db_path=db, github=fast_endpoint(github))

    failed = next(row for row in first.rows if row.error)
    assert failed.change_id == ids[merged] and failed.after == "OPEN"
    assert "failed after 3 attempt(s): HTTP 502" in failed.error
    assert first.unread == 1 and len(first.rows) == 3
    others = {Path(r.repo).name: (r.before, r.after) for r in first.rows if not r.error}
    assert others == {closed: ("OPEN", "CLOSED"), still_open: ("OPEN", "OPEN")}  # went on
    assert reads(github) == (MAX_RETRIES + 1 + 2, 2)  # no checks read for the unread one
    (event,) = sync_events(db, ids[merged])
    assert event[0] == "OPEN" and "could not read https://github.com/acme/" in event[1]
    assert "HTTP 502" in event[1]

    # GitHub answers again: every pull request is read back
    second = sync_flow(db_path=db, github=fast_endpoint(github))

    state = changes(db)
    assert {name: row[1:4] for name, row in state.items()} == {
        merged: ("MERGED", True, MERGE_SHA),
        closed: ("CLOSED", False, None),
        still_open: ("OPEN", False, None),
    }
    assert second.unread == 0
    assert sync_events(db, ids[merged])[-1] == (
        "MERGED",
        f"sync: pull request #1 merged as {MERGE_SHA}; "
        "checks: 3 passed, 1 failed, 0 pending (failure)",
    )
    assert sync_events(db, ids[closed]) == [
        ("CLOSED", "sync: pull request #1 closed unmerged; checks: none")
    ]
    assert sync_events(db, ids[still_open])[-1] == (
        "OPEN",
        "sync: pull request #1 open; checks: 0 passed, 0 failed, 1 pending (pending)",
    )
    with store.connect(db, read_only=True) as con:
        items = con.execute(
            "SELECT DISTINCT change_id, status FROM ledger_plan_items WHERE change_id IS NOT NULL"
        ).fetchall()
    assert sorted(s for _, s in items) == ["CLOSED", "MERGED", "OPEN"]  # plan items follow

    # a third sync reads only the change still OPEN, and changes nothing
    pull_reads, check_reads = reads(github)
    third = sync_flow(db_path=db, github=fast_endpoint(github))

    assert changes(db) == state  # not even updated_at moves
    assert [(r.change_id, r.before, r.after) for r in third.rows] == [
        (ids[still_open], "OPEN", "OPEN")
    ]
    assert reads(github) == (pull_reads + 1, check_reads + 1)
    assert {s.method for s in github.requests[requests_before:]} == {"GET"}  # syncs only read
    assert len(sync_events(db, ids[merged])) == 2 and len(sync_events(db, ids[closed])) == 1


# --- the command line, over a ledger seeded with OPEN github changes ----------------------


def seed(db: Path, fake: GitHubServer, run_id: str, repo: str, branches: list[str]) -> list[str]:
    """Open a pull request per branch on the fake and record each as an OPEN change."""
    fake.add_repo("acme", repo, {"main": "a" * 40} | {b: "b" * 40 for b in branches})
    ids = []
    with store.connect(db) as con:
        store.upsert_run(con, run_id, kind="campaign", status="COMPLETED")
        for branch in branches:
            pull = open_pull_request(fast_config(fake), "acme", repo, branch, "main", branch, "")
            change = Change(
                change_id=f"{run_id}-{branch}",
                run_id=run_id,
                repo=repo,
                batch_key=branch,
                branch=branch,
                base_branch="main",
                base_sha="a" * 40,
                generated_by="recipe:upgrade-python",
                provider="github",
                state=ChangeState.OPEN,
                pr_url=pull.url,
            )
            ledger.upsert_change(con, change.model_dump())
            ids.append(change.change_id)
    return ids


def test_runs_sync_command(prefect_server, monkeypatch, tmp_path):
    db = tmp_path / "w.duckdb"
    runner = CliRunner()
    with GitHubServer(TOKEN) as fake:
        serve(monkeypatch, fake)
        seed(db, fake, "run-one", "core", ["fix-1", "fix-2"])
        (other,) = seed(db, fake, "run-two", "web", ["fix-3"])
        fake.merge_pull("acme", "core", 1, merge_sha=MERGE_SHA)
        fake.add_check_runs("acme", "core", "b" * 40, [("test", "completed", "success")])

        result = runner.invoke(app, ["--db", str(db), "runs", "sync", "run-o"])

        assert result.exit_code == 0, result.output
        assert "runs sync run-one" in result.output
        assert "OPEN -> MERGED" in result.output and "OPEN -> OPEN" in result.output
        assert "https://github.com/acme/core/pull/1" in result.output
        assert "1 passed, 0 failed, 0 pending (success)" in result.output
        read = {seen.path for seen in fake.seen("GET /pull")}
        assert read == {"/repos/acme/core/pulls/1", "/repos/acme/core/pulls/2"}  # not run-two
        with store.connect(db, read_only=True) as con:
            assert ledger.open_changes(con, "github", "run-two")[0]["change_id"] == other

        every = runner.invoke(app, ["--db", str(db), "runs", "sync", "--format", "json"])
        assert every.exit_code == 0, every.output
        assert '"repo": "web"' in every.output and '"state": "OPEN -> MERGED"' not in every.output

        fake.merge_pull("acme", "core", 2)
        fake.merge_pull("acme", "web", 1)
        runner.invoke(app, ["--db", str(db), "runs", "sync"])
        done = runner.invoke(app, ["--db", str(db), "runs", "sync"])
        assert done.exit_code == 0 and "no OPEN github changes to sync" in done.output

        monkeypatch.delenv("GITHUB_TOKEN")
        refused = runner.invoke(app, ["--db", str(db), "runs", "sync"])
        assert refused.exit_code == 2 and "set GITHUB_TOKEN" in refused.output


def test_sync_without_a_token_fails_once_and_touches_no_change(
    prefect_server, monkeypatch, tmp_path
):
    db = tmp_path / "w.duckdb"
    with GitHubServer(TOKEN) as fake:
        (change_id,) = seed(db, fake, "run-one", "core", ["fix-1"])
        monkeypatch.delenv("GITHUB_TOKEN", raising=False)

        with pytest.raises(ProviderError, match="needs GITHUB_TOKEN"):
            sync_flow(db_path=db)

        assert fake.seen("GET /pull") == []
    assert sync_events(db, change_id) == []
    with store.connect(db, read_only=True) as con:
        assert con.execute("SELECT status FROM ledger_runs WHERE kind = 'sync'").fetchall() == [
            ("FAILED",)
        ]
