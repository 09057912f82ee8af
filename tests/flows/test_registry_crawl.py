"""The registry crawl end to end: the `discover --source registries` command and the
`registry-crawl` flow against registry-shaped servers on 127.0.0.1, landing in a real
warehouse, then built by dbt into the same graph as every other source."""

from __future__ import annotations

import base64
import inspect
import json
from pathlib import Path

import pytest
import yaml
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import TaskRunFilter, TaskRunFilterTags
from prefect.client.schemas.sorting import FlowRunSort, TaskRunSort
from typer.testing import CliRunner

from flows.build import build_flow
from flows.cli.main import app
from flows.registry_crawl import RegistryCrawlParams, registry_crawl_flow
from flows.score import score_flow
from tasks.registries.fetch import RegistryTarget
from tasks.registries.queue import crawl_id_for
from tests.fakes.registry_servers import RegistryServer
from warehouse.io import store
from warehouse.io.registry_store import PackageRow, RegistryStore

runner = CliRunner()
FAST = {"backoff_s": 0.01, "max_backoff_s": 0.05, "retry_after_cap_s": 0.1, "timeout_s": 5}


@pytest.fixture
def server():
    with RegistryServer() as fake:
        fake.add_pypi(
            "a",
            "1.0",
            ["B>=1", "pytest; extra == 'test'", "rich; extra == 'cli'"],
            repository="https://github.com/acme/a",
        )
        fake.add_pypi("b", "2.0", ["c~=3.0"])
        fake.add_pypi("c", "3.1", ["d"])  # d is two hops past a: an edge, never fetched
        fake.add_pypi("d", "1.0")
        yield fake


def rows(db: Path, sql: str) -> list[tuple]:
    with store.connect(db, read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.mark.usefixtures("prefect_server_recording_task_runs")  # it reads the task runs
def test_discover_registries_then_build_shows_the_edges(
    server: RegistryServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIP_INDEX_URL", f"{server.base}/simple/")
    db = tmp_path / "w.duckdb"
    argv = ["--db", str(db), "discover", "--source", "registries", "--ecosystem", "pypi"]
    argv += ["--packages", "a", "--depth", "2", "--no-rank"]  # built and scored below

    first = runner.invoke(app, argv)
    assert first.exit_code == 0, first.output
    # a, b, c fetched (3 requests each: simple page, metadata file, JSON API); d only an edge
    assert "packages 3 · edges 5 · failed 0 · 9 requests · 0 cache hits" in first.output
    assert "dependents computed from the crawled graph" in first.output
    assert rows(db, "SELECT name, version FROM raw_registry_packages ORDER BY name") == [
        ("a", "1.0"),
        ("b", "2.0"),
        ("c", "3.1"),
    ]
    assert server.count("/simple/d/") == 0 and server.count("/simple/rich/") == 0

    with get_client(sync_client=True) as client:  # paced per registry, tasks tagged
        limit = client.read_global_concurrency_limit_by_name("registry-pypi-requests")
        tags = TaskRunFilter(tags=TaskRunFilterTags(all_=["registry:pypi"]))
        tagged = client.read_task_runs(
            task_run_filter=tags, limit=200, sort=TaskRunSort.EXPECTED_START_TIME_DESC
        )
    assert (limit.limit, limit.slot_decay_per_second) == (10, 10.0)
    assert len(tagged) >= 3 and {run.task_key.split("-")[0] for run in tagged} == {"fetch_package"}

    again = runner.invoke(app, argv)  # unchanged: every request is a free 304
    assert again.exit_code == 0, again.output
    assert "packages 3 · edges 5 · failed 0 · 9 requests · 9 cache hits" in again.output
    assert server.count("", 304) == 9

    with store.connect(db) as con:  # the GitHub source knows a's repository
        github_a = {"repo_id": "github:acme/a", "full_name": "acme/a"}
        url = {"url": "https://github.com/acme/a", "fetched_at": store.now()}
        store.land(con, "raw_github_repositories", [github_a | url])
    build_flow(db)
    # joined by the repository URL the registry gives: one node of the graph
    assert rows(db, "SELECT package_id FROM dim_repos WHERE repo_id = 'github:acme/a'") == [
        ("pkg:pypi/a",)
    ]
    edges = rows(
        db,
        "SELECT source_id, target_id, dependency_kind, extra, version_constraint "
        "FROM fct_dependency_edges WHERE declared_in = 'registry:pypi' ORDER BY 1, 2",
    )
    assert edges == [
        ("pkg:pypi/a", "pkg:pypi/b", "runtime", None, ">=1"),
        ("pkg:pypi/a", "pkg:pypi/pytest", "dev", "test", None),
        ("pkg:pypi/a", "pkg:pypi/rich", "optional", "cli", None),
        ("pkg:pypi/b", "pkg:pypi/c", "runtime", None, "~=3.0"),
        ("pkg:pypi/c", "pkg:pypi/d", "runtime", None, None),
    ]
    packages = rows(
        db,
        "SELECT package_id, registry_version, registry_canonical_repository_url "
        "FROM int_packages__unioned WHERE package_id IN ('pkg:pypi/a', 'pkg:pypi/d') ORDER BY 1",
    )
    assert packages == [
        ("pkg:pypi/a", "1.0", "https://github.com/acme/a"),
        ("pkg:pypi/d", None, None),
    ]
    assert len(rows(db, "SELECT * FROM dim_packages WHERE package_id LIKE 'pkg:pypi/%'")) == 6
    # what the registry said fills dim_packages where nothing is installed
    assert rows(
        db,
        "SELECT latest_version, summary, canonical_repository_url, is_installed "
        "FROM dim_packages WHERE package_id = 'pkg:pypi/a'",
    ) == [("1.0", "a, a package (JSON API)", "https://github.com/acme/a", False)]
    score_flow(db, {}, {}, {})  # registry packages are scored like every graph node
    scored = rows(
        db,
        "SELECT entity_id, source, downstream_reach FROM fct_repo_scores "
        "WHERE entity_id IN ('pkg:pypi/b', 'pkg:pypi/c', 'pkg:pypi/d', 'github:acme/a') "
        "ORDER BY 1",
    )
    assert scored == [
        ("github:acme/a", "github", 0),  # a is its repository's node
        ("pkg:pypi/b", "registry", 1),  # a depends on b
        ("pkg:pypi/c", "registry", 2),  # b on c, a through b
        ("pkg:pypi/d", "manifest", 3),  # named by c, beyond the crawl's depth
    ]


@pytest.mark.usefixtures("prefect_server")
def test_faults_and_an_unknown_package_are_recorded_and_the_crawl_goes_on(
    server: RegistryServer, tmp_path: Path
) -> None:
    server.add_pypi("e", "1.0", ["a", "ghost"])
    server.fault("/simple/b/", "502", ("429", 0.05))
    server.fault("/pypi/a/json", "truncate")
    db = tmp_path / "w.duckdb"
    params = RegistryCrawlParams(
        base_url=f"{server.base}/simple/", packages=["e", "nope"], depth=4, requests_per_second=0
    )
    summary = registry_crawl_flow(db, "pypi", params, timing=FAST)
    assert summary.unknown == ["ghost", "nope"] and summary.failed == []
    assert summary.packages == 5  # e, a, b, c, d: each once, though a and e both lead to b
    assert server.count("/simple/b/", 200) == 1 and server.count("/simple/a/", 200) == 1
    assert rows(db, "SELECT name, attempts FROM raw_registry_fetch_failures ORDER BY 1") == [
        ("ghost", 1),
        ("nope", 1),
    ]
    error = rows(db, "SELECT error FROM raw_registry_fetch_failures WHERE name = 'nope'")[0][0]
    assert "nope not found (HTTP 404" in error
    assert rows(db, "SELECT count(*) FROM raw_registry_crawl_queue") == [(0,)]  # finished


@pytest.mark.usefixtures("prefect_server")
def test_a_killed_crawl_resumes_without_fetching_again(
    server: RegistryServer, tmp_path: Path
) -> None:
    db, index = tmp_path / "w.duckdb", f"{server.base}/simple/"
    # What a crawl killed after landing `a` leaves: a done, its dependency b queued
    target = RegistryTarget(ecosystem="pypi", base_url=index)
    crawl_id = crawl_id_for(target, ["a"], 2, ["runtime"])
    registry = RegistryStore(db)
    assert registry.start(crawl_id, "pypi", ["a"]) is False
    row = PackageRow(ecosystem="pypi", name="a", version="1.0", summary=None, license=None,
                     repository_url=None, homepage=None, dependent_packages=None,
                     dependent_repos=None, dependents_source=None, registry_url=index)  # fmt: skip
    registry.land(crawl_id, row, [], ["b"], 0)

    params = RegistryCrawlParams(base_url=index, packages=["a"], depth=2, requests_per_second=0)
    summary = registry_crawl_flow(db, "pypi", params, timing=FAST)
    assert summary.resumed is True and summary.packages == 2  # b and c
    assert server.count("/simple/a/") == 0 and server.count("/simple/b/") == 1
    assert rows(db, "SELECT name FROM raw_registry_packages ORDER BY 1") == [
        ("a",),
        ("b",),
        ("c",),
    ]


@pytest.mark.usefixtures("prefect_server")
def test_npm_from_a_lockfile_with_the_dependents_service(
    server: RegistryServer, tmp_path: Path
) -> None:
    server.add_npm(
        "react",
        "18.3.1",
        repository="git+https://github.com/facebook/react.git",
        dependencies={"loose-envify": "^1.1.0"},
        devDependencies={"jest": "^29"},
    )
    server.add_npm("loose-envify", "1.4.0", dependencies={"js-tokens": "^4.0.0"})
    server.add_dependents("npm", "react", 90000, "https://github.com/facebook/react")
    server.npm["broken"] = {"name": "broken", "versions": {}}  # no dist-tags
    server.npm["weird"] = {"dist-tags": {"latest": "1"}, "versions": {"1": {"dependencies": [1]}}}
    lock = tmp_path / "package-lock.json"
    lock.write_text(
        json.dumps(
            {
                "lockfileVersion": 3,
                "packages": {
                    "": {"name": "web"},
                    "node_modules/react": {"version": "18.3.1"},
                    "node_modules/broken": {"version": "1.0.0"},
                    "node_modules/weird": {"version": "1.0.0"},
                },
            }
        )
    )
    db = tmp_path / "w.duckdb"
    params = RegistryCrawlParams(
        base_url=f"{server.base}/npm", lockfile=lock, depth=1,
        dependents_url=f"{server.base}/deps/api/v1", requests_per_second=0,
    )  # fmt: skip
    summary = registry_crawl_flow(db, "npm", params, timing=FAST)
    assert summary.packages == 2 and summary.dependents_source.startswith("from the configured")
    assert summary.failed == ["broken", "weird"] and summary.unknown == []
    errors = dict(rows(db, "SELECT name, error FROM raw_registry_fetch_failures"))
    assert "broken has no latest version" in errors["broken"]
    assert "weird: unexpected answer (AttributeError" in errors["weird"]
    assert rows(
        db,
        "SELECT name, dependent_packages, dependents_source FROM raw_registry_packages "
        "ORDER BY name",
    ) == [("loose-envify", None, None), ("react", 90000, "ecosyste.ms")]
    assert rows(
        db, "SELECT name, target_name, dependency_kind FROM raw_registry_dependencies ORDER BY 1, 2"
    ) == [
        ("loose-envify", "js-tokens", "runtime"),
        ("react", "jest", "dev"),
        ("react", "loose-envify", "runtime"),
    ]
    assert server.count("/npm/jest") == 0  # dev edges are not followed

    build_flow(db)  # the service's count is the scores' dependents, and impact uses it
    score_flow(db, {}, {}, {})
    scored = rows(
        db,
        "SELECT entity_id, dependents, dependents_source, dependents_component > 0.9 "
        "FROM fct_repo_scores WHERE entity_id IN ('pkg:npm/react', 'pkg:npm/loose-envify') "
        "ORDER BY 1",
    )
    assert scored == [
        ("pkg:npm/loose-envify", 1, "graph", False),  # react depends on it, no service count
        ("pkg:npm/react", 90000, "service", True),
    ]
    # react depends on nothing crawled and nothing crawled depends on it: its impact is the
    # service's dependents alone (0 from the graph)
    (impact,) = rows(db, "SELECT impact FROM fct_repo_scores WHERE entity_id = 'pkg:npm/react'")
    assert impact[0] > 0.2


@pytest.mark.usefixtures("prefect_server")
def test_index_credentials_never_reach_parameters_columns_or_messages(
    server: RegistryServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "t0ps3cret"
    index = server.base.replace("http://", f"http://robot:{secret}@") + "/simple/"
    monkeypatch.setenv("PIP_INDEX_URL", index)
    db = tmp_path / "w.duckdb"
    argv = ["--db", str(db), "discover", "--source", "registries", "--ecosystem", "pypi"]
    result = runner.invoke(
        app, [*argv, "--packages", "b", "--packages", "nope", "--depth", "0", "--no-rank"]
    )
    assert result.exit_code == 1 and "unknown packages: nope" in result.output, result.output
    assert secret not in result.output
    # the index got the credentials, as HTTP auth
    assert f"Basic {base64.b64encode(f'robot:{secret}'.encode()).decode()}" in set(
        server.authorizations
    )
    assert rows(db, "SELECT registry_url FROM raw_registry_packages") == [
        (f"{server.base}/simple/",)
    ]
    (error,) = rows(db, "SELECT error FROM raw_registry_fetch_failures")[0]
    assert "nope not found" in error and secret not in error
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(limit=200, sort=FlowRunSort.START_TIME_DESC)
    crawls = [run for run in runs if run.parameters.get("ecosystem") == "pypi"]
    assert crawls and secret not in json.dumps([run.parameters for run in runs], default=str)


def test_the_registry_crawl_deployment_gives_every_required_parameter() -> None:
    manifest = Path(__file__).parents[2] / "prefect.yaml"
    deployments = yaml.safe_load(manifest.read_text())["deployments"]
    (crawl,) = [d for d in deployments if d["name"] == "registry-crawl"]
    signature = inspect.signature(registry_crawl_flow.fn)
    required = {
        name for name, p in signature.parameters.items() if p.default is inspect.Parameter.empty
    }
    assert required <= set(crawl["parameters"])  # base_url is found by the flow itself
    assert "packages" in crawl["description"] and "lockfile" in crawl["description"]


@pytest.mark.usefixtures("prefect_server")
def test_the_flow_finds_the_registry_when_no_base_url_is_given(
    server: RegistryServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIP_INDEX_URL", f"{server.base}/simple/")
    db = tmp_path / "w.duckdb"
    params = RegistryCrawlParams(packages=["b"], depth=0, requests_per_second=0)
    summary = registry_crawl_flow(db, "pypi", params, timing=FAST)
    assert summary.packages == 1
    assert rows(db, "SELECT name, registry_url FROM raw_registry_packages") == [
        ("b", f"{server.base}/simple/")
    ]


def test_usage_errors(tmp_path: Path) -> None:
    registries = ["discover", "--source", "registries"]
    cases = [
        (["discover"], "--language is required"),
        (["discover", "--language", "python", "--packages", "a"], "need --source registries"),
        ([*registries, "--packages", "a"], "needs --ecosystem"),
        ([*registries, "--ecosystem", "pypi"], "needs --packages NAME or --from-lockfile"),
        (
            [*registries, "--ecosystem", "pypi", "--packages", "a", "--language", "python"],
            "are for --source github",
        ),
        ([*registries, "--ecosystem", "pypi", "--packages", "a", "--depth", "-1"], "0 or more"),
        ([*registries, "--ecosystem", "crates", "--packages", "serde"], "registries.crates_url"),
        (
            [*registries, "--ecosystem", "pypi", "--from-lockfile", str(tmp_path / "Gemfile")],
            "not a supported lockfile",
        ),
    ]
    for argv, message in cases:
        result = runner.invoke(app, argv)
        assert result.exit_code == 2, (argv, result.output)
        assert message in result.output, (argv, result.output)
