"""Shared set-up for the GitHub source's tests: the data fake on 127.0.0.1, the environment
that points the client at it, tiny waits, and warehouse readers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from tasks.github.graphql import GitHubTiming
from tasks.github.http import GitHubConfig, GitHubEndpoint
from tests.fakes.github_data import GitHubData
from tests.fakes.github_server import SchemaUnavailable, load_schema
from warehouse.io import store

TOKEN = "ghp_fake_source_token_0123456789"  # pragma: allowlist secret
FAST = GitHubTiming(
    timeout_s=2.0, max_retries=3, backoff_s=0.01, max_backoff_s=0.05, requests_per_s=0
)


@pytest.fixture(scope="session")
def github_schema():
    try:
        return load_schema()
    except SchemaUnavailable as error:
        pytest.skip(str(error))


@pytest.fixture
def github(github_schema, monkeypatch: pytest.MonkeyPatch) -> Iterator[GitHubData]:
    """The fake, with GITHUB_TOKEN set for the tasks, and GITHUB_API_URL / GITHUB_GRAPHQL_URL
    pointing the CLI's settings at it (tasks and flows take `endpoint_for(fake)`)."""
    with GitHubData(TOKEN, github_schema) as fake:
        monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
        monkeypatch.setenv("GITHUB_API_URL", fake.base_url)
        monkeypatch.setenv("GITHUB_GRAPHQL_URL", fake.graphql_url)
        yield fake
        assert fake.invalid_queries == [], fake.invalid_queries[:1]


def endpoint_for(fake) -> GitHubEndpoint:
    """The fake's endpoint (a GitHubData or GitHubServer): the value tasks and flows take."""
    return GitHubEndpoint(api_url=fake.base_url, graphql_url=fake.graphql_url)


def config_for(fake) -> GitHubConfig:
    """The client's whole configuration for the fake: its endpoint and the token."""
    return GitHubConfig(**endpoint_for(fake).model_dump(), token=SecretStr(TOKEN))


def rows(db: Path, sql: str) -> list[tuple]:
    with store.connect(db) as con:
        return con.execute(sql).fetchall()


def count(db: Path, table: str) -> int:
    return rows(db, f"SELECT count(*) FROM {table}")[0][0]
