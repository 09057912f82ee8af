"""The installed environment as a dependency graph, read from this very interpreter."""

from __future__ import annotations

from importlib import metadata

from packaging.utils import canonicalize_name

from tasks.local.python_env import read_environment


def test_every_installed_distribution_is_read_once():
    snapshot = read_environment.fn("test-env")
    names = [d.name for d in snapshot.distributions]
    assert len(names) == len(set(names))
    installed = {canonicalize_name(d.metadata["Name"]) for d in metadata.distributions()}
    assert set(names) == installed
    pydantic = next(d for d in snapshot.distributions if d.name == "pydantic")
    assert pydantic.version == metadata.version("pydantic")
    assert pydantic.environment == "test-env"
    assert pydantic.summary


def test_runtime_edges_follow_requires_dist_with_markers_evaluated():
    snapshot = read_environment.fn("test-env")
    runtime = {(e.name, e.target_name) for e in snapshot.requirements if e.extra == ""}
    assert ("pydantic", "pydantic-core") in runtime
    assert ("prefect", "httpx") in runtime
    # typer needs colorama only on Windows: the marker is evaluated, so no edge here
    assert ("click", "colorama") not in runtime


def test_extras_are_optional_edges_tagged_with_the_extra():
    snapshot = read_environment.fn("test-env")
    optional = [e for e in snapshot.requirements if e.dependency_kind == "optional"]
    assert optional and all(e.extra for e in optional)
    # httpx's `http2` extra pulls h2
    assert any(e.name == "httpx" and e.extra == "http2" and e.target_name == "h2" for e in optional)


def test_repository_url_comes_from_project_urls():
    snapshot = read_environment.fn("test-env")
    polars = next(d for d in snapshot.distributions if d.name == "polars")
    assert polars.repository_url and "polars" in polars.repository_url
