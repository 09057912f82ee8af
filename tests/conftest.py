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

from tests.gitrepos import CommitSpec, make_repo  # noqa: E402


@pytest.fixture(autouse=True)
def isolated_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test reads the developer's ~/.config or ./globallm.yaml, a GLOBALLM_* variable, or
    an OpenAI key or URL (with one, `triage` and every issue crawl would ask that LLM); triage
    embeds no issue unless a test asks (GLOBALLM_TRIAGE_EMBEDDINGS=off)."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    for name in list(os.environ):
        if name.startswith("GLOBALLM_") or name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
            monkeypatch.delenv(name)
    # Triage's classifier blends in MiniLM embeddings by default when the extra is installed:
    # loading torch and the model costs 5-20 s per process, so only the tests that ask for
    # them (TriageOptions(embeddings="minilm")) pay it; the others train on TF-IDF alone.
    monkeypatch.setenv("GLOBALLM_TRIAGE_EMBEDDINGS", "off")
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
