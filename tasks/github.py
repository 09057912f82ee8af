"""GitHub as a source (REST through tasks/github_http.py). Today: one issue by its URL, for
`globallm fix --issue-url`; discovery, health signals and issue crawls come with the GitHub
source."""

from __future__ import annotations

import re

from prefect import task

from tasks.github_http import GitHubConfig, GitHubError, client_for, http_get, read_json, repo_url
from tasks.llm_fix import IssueSpec

ISSUE_URL = re.compile(
    r"^https?://[^/]+/(?P<owner>[^/]+)/(?P<repo>[^/]+)/issues/(?P<number>\d+)/?$"
)


def parse_issue_url(url: str) -> tuple[str, str, int]:
    """(owner, repo, number) of an issue's web URL; ValueError for anything else."""
    match = ISSUE_URL.match(url.strip())
    if match is None:
        raise ValueError(f"not an issue URL (https://HOST/OWNER/REPO/issues/N): {url!r}")
    return match["owner"], match["repo"], int(match["number"])


@task(name="github-fetch-issue", tags=["github"])
def fetch_issue(url: str) -> IssueSpec:
    """The issue's title and body, read through the API (retried like every GitHub read).

    The token comes from the environment here, never as a parameter Prefect would record.
    """
    config = GitHubConfig.from_env()
    if config is None:
        raise GitHubError("reading the issue from GitHub needs GITHUB_TOKEN")
    owner, repo, number = parse_issue_url(url)
    what = f"issue {owner}/{repo}#{number}"
    with client_for(config) as client:
        response = http_get(
            client, config, f"{repo_url(config, owner, repo)}/issues/{number}", what
        )
        data = read_json(response, config, what, lambda d: (d["title"], d.get("body") or ""))
    if not data[0]:
        raise GitHubError(f"GitHub {what}: no title in the answer")
    return IssueSpec(url=url, title=data[0], body=data[1])
