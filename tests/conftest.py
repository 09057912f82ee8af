"""Shared fixtures: an isolated config home, one Prefect test server per session, workspaces."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

# Each test process (the session, or one xdist worker: `make test` runs several) has its own
# Prefect home, set before anything imports prefect: its profiles, result storage and the
# database of any temporary server a subprocess starts (`globallm run` with no PREFECT_API_URL)
# are never shared with another worker, a later session or the developer's ~/.prefect.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
_PREFECT_HOME = tempfile.mkdtemp(prefix=f"globallm-tests-prefect-{_WORKER}-")
atexit.register(shutil.rmtree, _PREFECT_HOME, True)
os.environ["PREFECT_HOME"] = _PREFECT_HOME
for _name in ("PREFECT_PROFILE", "PREFECT_PROFILES_PATH", "PREFECT_API_URL", "PREFECT_API_KEY"):
    os.environ.pop(_name, None)  # the developer's Prefect server or Cloud is never the tests'
# No network in tests: the Prefect test server must not send telemetry.
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
# A temporary Prefect server (the session's, or a subprocess's) starts in ~10 s on an idle
# 2-core machine but in over 60 s when every worker starts its own at once on a loaded one.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "300")
# The test servers (the session's, and any a subprocess starts) skip what no test reads: task
# runs recorded from events, stored events, automations, and flow logs sent to the API. They
# were a sixth of the suite's CPU on 2 cores; `prefect_server_recording_task_runs` turns the
# task runs back on for the tests that read them. The operator's test (test_deployments_e2e)
# strips every PREFECT_ variable and runs a real server with Prefect's defaults.
QUIET_SERVER = {
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_EVENT_PERSISTER_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED": "false",
    "PREFECT_LOGGING_TO_API_ENABLED": "false",
}
os.environ.update(QUIET_SERVER)

from tests.gitrepos import CommitSpec, make_repo  # noqa: E402

# What the slowest tests took (seconds, in one loaded `make test`: relative weights, not limits).
# A file with a module's fixture is one unit (split across workers it would be built twice);
# the long tests of a file without one are units of their own.
SLOW_FILES = {
    "tests/flows/test_solve.py": 200,
    "tests/app/test_app_browser.py": 166,
    "tests/flows/test_pipeline.py": 147,
    "tests/flows/cli/test_discover_ranks.py": 123,
    "tests/warehouse/test_github_models.py": 106,
    "tests/app/test_reads_during_flows.py": 85,
    "tests/flows/test_redundancy.py": 81,
    "tests/flows/cli/test_solve.py": 78,
    "tests/tasks/github/test_resume.py": 67,
    "tests/flows/cli/test_main.py": 63,
    "tests/bench/test_graph_bench.py": 62,
    "tests/flows/cli/test_triage.py": 60,
    "tests/flows/cli/test_discover.py": 56,
    "tests/flows/test_github_crawl.py": 55,
    "tests/flows/test_package_links.py": 54,
    "tests/flows/test_fix_privacy.py": 51,
    "tests/flows/test_sync.py": 45,
    "tests/tasks/github/test_faults.py": 44,
    "tests/flows/cli/test_dashboard_signals.py": 42,
    "tests/flows/test_triage_llm.py": 36,
    "tests/flows/cli/test_dashboard.py": 34,
    "tests/bench/test_app_bench.py": 33,
    "tests/tasks/github/test_discovery.py": 31,
    "tests/tasks/dbt/test_build.py": 31,
    "tests/flows/test_fix.py": 29,
    "tests/flows/test_campaign_diffs.py": 50,
    "tests/flows/test_triage_embeddings.py": 40,
    "tests/bench/test_solve_bench.py": 40,
    "tests/bench/test_campaign_bench.py": 27,
    "tests/flows/test_campaign_pythons.py": 37,
}
SLOW_TESTS = {  # file: {test: seconds}
    "tests/flows/cli/test_solve_e2e.py": {
        "test_crawl_triage_rank_solve_and_resume": 146,
    },
    "tests/test_deployments_e2e.py": {
        "test_deploy_all_then_a_worker_runs_the_nightly_pipeline": 145,
    },
    "tests/flows/test_pipeline_github.py": {
        "test_pipeline_with_github_discovers_then_reads_issues": 98,
        "test_run_command_fills_github_from_the_token_and_settings": 62,
        "test_run_command_without_a_token_skips_github_in_one_line": 39,
    },
    "tests/flows/test_registry_crawl.py": {
        "test_discover_registries_then_build_shows_the_edges": 59,
        "test_npm_from_a_lockfile_with_the_dependents_service": 30,
        "test_faults_and_an_unknown_package_are_recorded_and_the_crawl_goes_on": 16,
    },
    "tests/flows/test_campaign.py": {
        "test_rename_api_rewrites_every_call_site": 55,
        "test_resuming_a_repository_with_several_batches_keeps_every_change": 48,
        "test_when_the_base_moves_a_waiting_branch_is_remade_on_the_new_base": 47,
        "test_rollout_limit_waits_and_a_resumed_run_finishes_the_rest": 42,
        "test_a_branch_a_person_committed_to_is_left_alone": 39,
        "test_dry_run_publishes_nothing": 30,
        "test_revert_restores_the_code_and_links_both_changes": 26,
        "test_upgrade_merges_good_repos_and_blocks_the_broken_one": 23,
        "test_a_repository_that_breaks_is_recorded_and_the_others_go_on": 20,
    },
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under xdist, the slow tests first, spread over the workers: no long tail at the end.

    `--dist worksteal` deals the collection out in contiguous equal shares, in order, one per
    worker, and an idle worker then steals the end of the longest queue. So each share starts
    with its part of the slow units (the longest first, each to the least loaded share) and is
    filled up with the others in their usual order. The order is the same in every worker (xdist
    requires it); a run without workers keeps the usual order.
    """
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0"))
    if workers < 2:
        return
    units: dict[str, list[pytest.Item]] = {}
    for item in items:
        file = item.nodeid.split("::")[0]
        key = item.nodeid if item.name in SLOW_TESTS.get(file, {}) else file
        units.setdefault(key, []).append(item)
    costs: dict[str, float] = dict(SLOW_FILES)
    for file, tests in SLOW_TESTS.items():
        costs.update({f"{file}::{name}": seconds for name, seconds in tests.items()})
    slow = sorted((key for key in units if key in costs), key=lambda key: -costs[key])
    shares: list[list[pytest.Item]] = [[] for _ in range(workers)]
    loads = [0.0] * workers
    for key in slow:
        least = loads.index(min(loads))
        shares[least] += units[key]
        loads[least] += costs[key]
    rest = [item for key, unit in units.items() if key not in costs for item in unit]
    ordered: list[pytest.Item] = []
    left = len(items)
    for index, share in enumerate(shares):
        size = left // (workers - index)  # what worksteal sends this worker first
        left -= size
        fill = max(0, size - len(share))
        ordered += share + rest[:fill]
        rest = rest[fill:]
    items[:] = ordered + rest


@pytest.fixture(autouse=True)
def isolated_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test reads the developer's ~/.config or ./globallm.yaml, a GLOBALLM_* variable, or
    an OpenAI key or URL (with one, `triage` and every issue crawl would ask that LLM); triage
    embeds no issue unless a test asks (GLOBALLM_TRIAGE__EMBEDDINGS=off)."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    for name in list(os.environ):
        if name.startswith("GLOBALLM_") or name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
            monkeypatch.delenv(name)
    # Triage's classifier blends in MiniLM embeddings by default when the extra is installed:
    # loading torch and the model costs 5-20 s per process, so only the tests that ask for
    # them (TriageOptions(embeddings="minilm")) pay it; the others train on TF-IDF alone.
    monkeypatch.setenv("GLOBALLM_TRIAGE__EMBEDDINGS", "off")
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


@pytest.fixture
def no_llm(monkeypatch: pytest.MonkeyPatch) -> None:
    """No LLM endpoint or key in the environment, whatever the developer's shell has."""
    for name in (
        "GLOBALLM_LLM_BASE_URL",
        "OPENAI_BASE_URL",
        "GLOBALLM_LLM_API_KEY",
        "OPENAI_API_KEY",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def prefect_server():
    """One Prefect test server per test process: the session's, or each xdist worker's."""
    from prefect.testing.utilities import prefect_test_harness

    # None: PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS, set above
    with prefect_test_harness(server_startup_timeout=None):
        yield


@pytest.fixture
def prefect_server_recording_task_runs(prefect_server, monkeypatch: pytest.MonkeyPatch):
    """A Prefect test server of its own that records task runs (the session's does not)."""
    from prefect.events.worker import EventsWorker
    from prefect.settings import PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_ENABLED as RECORDER
    from prefect.settings import temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    monkeypatch.setenv("PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_ENABLED", "true")
    with temporary_settings(updates={RECORDER: True}), prefect_test_harness(None):
        EventsWorker.drain_all()  # task runs are events, sent by a worker bound to one server
        yield
        EventsWorker.drain_all()  # the next test's worker sends to the session's server again


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return build_workspace(tmp_path / "workspace")


@pytest.fixture(scope="module")
def module_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same workspace, built once for a module whose tests only read it."""
    return build_workspace(tmp_path_factory.mktemp("shared") / "workspace")


def build_workspace(root: Path) -> Path:
    """A folder of real repositories, as a platform team's checkout might look.

    - `core`: a library (package `acme-core`) with tests and CI, three authors, a tag;
    - `app`: depends on acme-core and requests, one author, quiet for 200 days;
    - `app/plugins/legacy`: a nested repository with a broken pyproject.toml and a
      non-UTF-8 requirements file;
    - `web`: a JavaScript project with a package.json; and a `.venv` and `node_modules` that
      hold repositories the crawl must skip.
    """
    make_repo(
        root / "core",
        [
            CommitSpec(
                "Ada",
                400,
                {
                    "pyproject.toml": CORE_PYPROJECT,
                    "src/acme_core/__init__.py": "def fetch():\n    return 1\n",
                },
            ),
            CommitSpec("Bob", 60, {"tests/test_core.py": "def test_fetch():\n    assert True\n"}),
            CommitSpec("Cyd", 5, {".github/workflows/ci.yml": "on: push\n"}, tag="v1.0.0"),
            CommitSpec("Ada", 1, {"src/acme_core/more.py": "X = 1\nY = 2\n"}),
        ],
        remote="git@github.com:acme/core.git",
    )
    make_repo(
        root / "app",
        [
            CommitSpec(
                "Dee",
                300,
                {
                    "requirements.txt": "acme-core>=1.0\nrequests==2.31.0\n",
                    "app.py": "import acme_core\n",
                },
            ),
            CommitSpec("Dee", 200, {"README.md": "# app\n"}),
        ],
    )
    make_repo(
        root / "app" / "plugins" / "legacy",
        [
            CommitSpec(
                "Eve",
                30,
                {
                    "pyproject.toml": "[project\nname = 'broken'\n",
                    "requirements-dev.txt": b"pytest\xff\xfe\n",
                    "plugin.py": "print('hi')\n",
                },
            ),
        ],
    )
    make_repo(
        root / "web",
        [
            CommitSpec(
                "Fay",
                10,
                {
                    "package.json": WEB_PACKAGE_JSON,
                    "index.js": "module.exports = 1;\n",
                    "index.test.js": "test('x', () => {});\n",
                },
            ),
        ],
    )
    make_repo(root / ".venv" / "src" / "vendored", [CommitSpec("Zed", 1, {"x.py": "x = 1\n"})])
    make_repo(root / "web" / "node_modules" / "dep", [CommitSpec("Zed", 1, {"i.js": "1\n"})])
    return root


CORE_PYPROJECT = """\
[project]
name = "acme-core"
version = "1.0.0"
dependencies = ["httpx>=0.27", "pydantic>=2; python_version >= '3.8'"]

[project.optional-dependencies]
dev = ["pytest>=8"]
fast = ["orjson"]
"""

WEB_PACKAGE_JSON = """\
{"name": "acme-web", "dependencies": {"react": "^18.0.0"},
 "devDependencies": {"jest": "^29.0.0"}, "peerDependencies": {"react-dom": "^18.0.0"}}
"""


# The session warehouse of the app's tests, also read by the CLI's status tests (imported last:
# it uses build_workspace above).
from tests.app_warehouse import app_warehouse  # noqa: E402, F401
from tests.github_source import github, github_schema  # noqa: E402, F401  (the fake GitHub)
