"""A campaign published through the `github` provider to a fake GitHub on 127.0.0.1: the branch
goes to the repository's remote, the pull request, reviewers and auto-merge go through the API,
and every GraphQL document is validated against GitHub's schema."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.campaign_repos import make_campaign_repo, run_upgrade
from tests.fakes.github_server import GitHubServer, SchemaUnavailable, load_schema
from tests.github_source import endpoint_for
from tests.gitrepos import git
from warehouse.io import store

TOKEN = "ghp_campaigntesttoken000000000000000000"  # pragma: allowlist secret


class RemoteBranches(dict):
    """The fake's branch list, backed by the bare repository the campaign pushes to."""

    def __init__(self, bare: Path) -> None:
        super().__init__(main="0" * 40)
        self.bare = bare

    def _heads(self) -> dict[str, str]:
        out = git(
            self.bare, "for-each-ref", "--format=%(refname:short) %(objectname)", "refs/heads"
        )
        return dict(line.split() for line in out.splitlines())

    def __contains__(self, ref: object) -> bool:
        return str(ref) in self._heads()

    def __getitem__(self, ref: str) -> str:
        return self._heads()[ref]

    def get(self, ref: str, default: object = None) -> object:
        return self._heads().get(ref, default)


@pytest.fixture
def github(monkeypatch):
    try:
        schema = load_schema()
    except SchemaUnavailable as error:
        pytest.skip(str(error))
    with GitHubServer(TOKEN, schema=schema) as fake:
        monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
        monkeypatch.setenv("GITHUB_API_URL", fake.base_url)
        monkeypatch.setenv("GITHUB_GRAPHQL_URL", fake.graphql_url)
        yield fake
        assert fake.invalid_queries == [], "globallm sent GraphQL that GitHub would reject"


def test_github_provider_opens_the_pull_request_with_reviewers_and_auto_merge(
    prefect_server, github, tmp_path
):
    repo = make_campaign_repo(tmp_path, "alpha")
    bare = git(repo, "remote", "get-url", "origin").strip()
    # origin looks like GitHub to globallm; git itself reaches the bare repository
    git(repo, "remote", "set-url", "origin", "https://github.com/acme/alpha")
    git(repo, "config", f"url.{bare}.insteadOf", "https://github.com/acme/alpha")
    (repo / ".github").mkdir()
    (repo / ".github" / "CODEOWNERS").write_text("app/ @acme/platform @pat\n")
    git(repo, "add", ".github/CODEOWNERS")
    git(repo, "-c", "user.name=Ann", "-c", "user.email=ann@example.com", "commit", "-qm", "owners")
    git(repo, "push", "-q", "origin", "main")
    fake_repo = github.add_repo("acme", "alpha")
    fake_repo.branches = RemoteBranches(Path(bare))

    db, summary = run_upgrade(
        tmp_path, provider="github", batch_size=10, github=endpoint_for(github)
    )
    assert summary.states == {"OPEN": 1}
    (pull,) = github.pulls
    assert pull["head"]["ref"].startswith(f"globallm/{summary.run_id}/upgrade-python")
    assert "### Gate: merge" in pull["body"] and "app/core.py" in pull["body"]
    requested = github.seen("POST /requested_reviewers")
    assert requested and requested[0].json == {"reviewers": ["pat"], "team_reviewers": ["platform"]}
    assert pull.get("auto_merge"), "auto-merge was not enabled"
    with store.connect(db, read_only=True) as con:
        change = con.execute("SELECT state, provider, pr_url FROM ledger_changes").fetchall()
    assert change == [("OPEN", "github", pull["html_url"])]
    # the branch itself went to the remote, the default branch is untouched until GitHub merges
    assert "globallm/" in git(repo, "ls-remote", "--heads", "origin")
