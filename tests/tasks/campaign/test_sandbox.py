"""The sandboxed test runner, on tiny real repositories written into tmp_path.

Each run starts a real pytest inside the sandbox (~1.5 s), so every test runs few suites.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import uuid
from pathlib import Path
from textwrap import dedent

import pytest

from tasks.campaign.sandbox import (
    Isolation,
    Limits,
    _wrapper,
    detect_isolation,
    rerun_failures,
    run_suite,
)

ISOLATION = detect_isolation()
FAST = Limits(wall_seconds=60)

MODULE = """\
def grade(score):
    if score >= 50:
        return "pass"
    return "fail"
"""


def make_repo(root: Path, files: dict[str, str]) -> Path:
    """A plain folder with a module and the given test files; no git needed."""
    for path, text in {"mod.py": MODULE, **files}.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(dedent(text))
    return root


def files_in(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def test_all_pass_suite_counts_coverage_and_leaves_the_worktree_clean(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    scratch_root = tmp_path / "scratch"
    scratch_root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch_root))  # where mkdtemp makes scratch
    repo = make_repo(
        tmp_path / "repo",
        {
            "tests/test_mod.py": """\
                import pytest
                from mod import grade

                def test_pass():
                    assert grade(70) == "pass"

                class TestGrade:
                    @pytest.mark.parametrize("score", [50, 99])
                    def test_edges(self, score):
                        assert grade(score) == "pass"

                def test_skipped():
                    pytest.skip("not today")
            """,
        },
    )
    before = files_in(repo)
    result = run_suite(repo, FAST)
    assert (result.tests, result.passed, result.failed, result.errors, result.skipped) == (
        4,
        3,
        0,
        0,
        1,
    )
    assert result.exit_code == 0 and not result.timed_out and not result.no_tests
    assert result.isolation is ISOLATION
    assert result.failed_names == []
    assert "tests/test_mod.py::TestGrade::test_edges[50]" in [c.name for c in result.cases]
    assert result.coverage_percent is not None and 0 < result.coverage_percent < 100
    assert "3 passed, 1 skipped" in result.output_tail
    # no .coverage, junit, __pycache__ or .pytest_cache: the worktree is exactly as written
    assert files_in(repo) == before
    assert list(scratch_root.iterdir()) == []  # the scratch dir is gone too


def test_failing_tests_are_named_and_memory_is_limited(tmp_path: Path):
    repo = make_repo(
        tmp_path / "repo",
        {
            "tests/test_mod.py": """\
                from mod import grade

                def test_pass():
                    assert grade(70) == "pass"

                def test_wrong():
                    assert grade(10) == "pass", "ten should pass"

                def test_hog():
                    big = bytearray(1024**3)  # 1 GiB against a 768 MiB address space
                    assert big
            """,
        },
    )
    result = run_suite(repo, Limits(wall_seconds=60, memory_mb=768))
    assert result.failed_names == ["tests/test_mod.py::test_wrong", "tests/test_mod.py::test_hog"]
    assert (result.tests, result.passed, result.failed) == (3, 1, 2)
    assert result.exit_code == 1
    wrong = next(c for c in result.cases if c.name.endswith("test_wrong"))
    assert "ten should pass" in (wrong.message or "")
    hog = next(c for c in result.cases if c.name.endswith("test_hog"))
    assert "MemoryError" in (hog.message or "")


def test_a_collection_error_is_an_error_named_by_its_file(tmp_path: Path):
    repo = make_repo(
        tmp_path / "repo",
        {
            "tests/test_ok.py": "def test_ok():\n    pass\n",
            "tests/test_broken.py": "import module_that_does_not_exist\n",
        },
    )
    result = run_suite(repo, FAST)
    assert result.exit_code == 2
    assert result.errors == 1 and result.failed_names == ["tests/test_broken.py"]
    assert "module_that_does_not_exist" in result.output_tail


def test_a_repository_without_tests_is_no_tests(tmp_path: Path):
    repo = make_repo(tmp_path / "repo", {"tests/helpers.py": "X = 1\n"})
    result = run_suite(repo, FAST)
    assert result.no_tests and result.exit_code == 5
    assert result.tests == 0 and result.cases == [] and result.failed_names == []


def live_processes_with(marker: str) -> list[int]:
    pids = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and marker in (proc / "cmdline").read_text():
                pids.append(int(proc.name))
        except OSError:
            continue
    return pids


@pytest.mark.parametrize(
    "isolation",
    [
        pytest.param(
            i, marks=pytest.mark.skipif(_wrapper(i) is None, reason=f"{i} does not work here")
        )
        for i in Isolation
    ],
)
def test_a_hanging_suite_is_killed_with_its_whole_process_group(
    tmp_path: Path, isolation: Isolation
):
    marker = f"299.{uuid.uuid4().int % 10**9}"  # a unique `sleep` argument to find it by
    repo = make_repo(
        tmp_path / "repo",
        {
            "tests/test_hang.py": f"""\
                import subprocess, time
                from pathlib import Path

                def test_hang(capsys):
                    child = subprocess.Popen(["sleep", "{marker}"])
                    Path("grandchild.pid").write_text(str(child.pid))
                    with capsys.disabled():
                        print("HANGING-NOW", flush=True)
                    time.sleep(60)
            """,
        },
    )
    started = time.monotonic()
    result = run_suite(repo, Limits(wall_seconds=8), isolation=isolation)
    assert time.monotonic() - started < 45  # the suite sleeps 60 s (wide for a loaded machine)
    assert result.timed_out and result.exit_code is None and result.isolation is isolation
    assert "HANGING-NOW" in result.output_tail  # the partial output is kept
    assert "killed at the wall limit" in result.output_tail
    assert (repo / "grandchild.pid").exists()  # the grandchild did start...
    deadline = time.monotonic() + 5
    while live_processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert live_processes_with(marker) == []  # ...and is gone


@pytest.mark.parametrize("isolation", [Isolation.BWRAP, Isolation.UNSHARE])
def test_the_network_is_unreachable(tmp_path: Path, isolation: Isolation):
    if _wrapper(isolation) is None:
        pytest.skip(f"{isolation} does not work here, so the suite would have the network")
    repo = make_repo(
        tmp_path / "repo",
        {
            "tests/test_net.py": """\
                import socket

                def test_connect():
                    socket.create_connection(("1.1.1.1", 53), timeout=2).close()
            """,
        },
    )
    result = run_suite(repo, FAST, isolation=isolation)
    assert result.failed_names == ["tests/test_net.py::test_connect"]
    assert "unreachable" in (result.cases[0].message or "")


@pytest.mark.skipif(
    _wrapper(Isolation.BWRAP) is None, reason="only bwrap makes the filesystem read-only"
)
def test_writes_outside_the_worktree_do_not_land(tmp_path: Path):
    outside_dir = Path(tempfile.mkdtemp(prefix="globallm-sandbox-test-", dir="/var/tmp"))
    targets = {
        "read_only": outside_dir / "pwned",  # outside /tmp: the root is read-only
        "private_tmp": tmp_path / "pwned",  # under /tmp: a private tmpfs
        "home": Path.home() / f"globallm-pwned-{uuid.uuid4().hex}",  # the real home is hidden
    }
    tests = "\n".join(
        f"def test_{name}():\n    open({str(path)!r}, 'w').write('x')\n"
        for name, path in targets.items()
    )
    repo = make_repo(tmp_path / "repo", {"tests/test_write.py": tests})
    try:
        result = run_suite(repo, FAST, isolation=Isolation.BWRAP)
        cases = {c.name.rsplit("::test_", 1)[1]: c for c in result.cases}
        assert cases["read_only"].outcome == "failed"
        assert "Read-only file system" in (cases["read_only"].message or "")
        assert not any(path.exists() for path in targets.values())
    finally:
        for path in targets.values():
            path.unlink(missing_ok=True)
        outside_dir.rmdir()


ENV_PROBE = """\
    import json, os

    def test_env():
        keys = ["GITHUB_TOKEN", "HOME", "PATH", "SECRET_THING"]
        with open("env.json", "w") as f:
            json.dump({k: os.environ.get(k) for k in keys}, f)
"""


@pytest.mark.parametrize("isolation", [ISOLATION, Isolation.NONE])
def test_the_environment_is_clean_and_forcing_no_isolation_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolation: Isolation
):
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_secret")
    monkeypatch.setenv("SECRET_THING", "s3cr3t")
    repo = make_repo(tmp_path / "repo", {"tests/test_env.py": ENV_PROBE})
    result = run_suite(repo, FAST, isolation=isolation)
    assert result.isolation is isolation
    assert (result.tests, result.passed) == (1, 1)
    seen = json.loads((repo / "env.json").read_text())
    assert seen["GITHUB_TOKEN"] is None and seen["SECRET_THING"] is None
    assert seen["HOME"] != os.environ["HOME"]
    assert seen["PATH"].endswith("/usr/local/bin:/usr/bin:/bin")


def test_rerun_failures_finds_the_flaky_test(tmp_path: Path):
    repo = make_repo(
        tmp_path / "repo",
        {
            "tests/test_flaky.py": """\
                from pathlib import Path
                import pytest

                class TestFlaky:
                    @pytest.mark.parametrize("n", [1])
                    def test_flaky(self, n):
                        marker = Path("ran-once")
                        if not marker.exists():
                            marker.write_text("x")
                            raise AssertionError("first run fails")

                def test_broken():
                    assert False

                def test_fine():
                    pass
            """,
        },
    )
    result = run_suite(repo, FAST)
    flaky = "tests/test_flaky.py::TestFlaky::test_flaky[1]"
    assert result.failed_names == [flaky, "tests/test_flaky.py::test_broken"]
    assert rerun_failures(repo, result, FAST) == [flaky]
    assert rerun_failures(repo, result.model_copy(update={"failed_names": []}), FAST) == []


def test_a_suite_that_cannot_start_is_a_result_not_an_exception(tmp_path: Path):
    repo = make_repo(tmp_path / "repo", {"tests/test_ok.py": "def test_ok():\n    pass\n"})
    result = run_suite(repo, FAST, python=str(tmp_path / "no-such-python"))
    assert result.exit_code not in (0, None) and result.tests == 0 and not result.timed_out
    assert "no-such-python" in result.output_tail
    assert "no junit report was written" in result.output_tail


def test_a_missing_worktree_is_the_callers_mistake(tmp_path: Path):
    with pytest.raises(FileNotFoundError):
        run_suite(tmp_path / "nowhere")


PLUGIN_PROBE = """\
import json
from pathlib import Path


def test_plugins(request):
    manager = request.config.pluginmanager
    names = ["pytest_cov", "timeout", "xdist", "anyio", "hypothesispytest"]
    seen = {n: manager.has_plugin(n) or manager.has_plugin(n + ".plugin") for n in names}
    Path("plugins.json").write_text(json.dumps(seen))
"""


def test_under_our_interpreter_only_coverage_is_loaded_of_our_pytest_plugins(tmp_path: Path):
    repo = make_repo(tmp_path / "repo", {"tests/test_plugins.py": PLUGIN_PROBE})
    result = run_suite(repo, FAST)
    assert (result.tests, result.passed) == (1, 1), result.output_tail
    assert result.coverage_percent is not None
    seen = json.loads((repo / "plugins.json").read_text())
    assert seen == {
        "pytest_cov": True, "timeout": False, "xdist": False, "anyio": False,
        "hypothesispytest": False,
    }  # fmt: skip


SELECTED = {
    "tests/test_mod.py": """\
        import pytest
        from mod import grade

        def test_pass():
            assert grade(70) == "pass"

        @pytest.mark.slow
        def test_slow_and_broken():
            assert False, "deselected by the project's addopts"
    """,
    "scripts/test_broken.py": "def test_outside_testpaths():\n    assert False\n",
}
CONFIGS = {
    "pyproject.toml": """\
        [tool.pytest.ini_options]
        testpaths = ["tests"]
        addopts = "-m 'not slow' --strict-markers"
        markers = ["slow: takes long"]
    """,
    "pytest.ini": """\
        [pytest]
        testpaths = tests
        addopts = -m 'not slow' --strict-markers
        markers = slow: takes long
    """,
    "setup.cfg": """\
        [tool:pytest]
        testpaths = tests
        addopts = -m 'not slow' --strict-markers
        markers = slow: takes long
    """,
    "tox.ini": """\
        [pytest]
        testpaths = tests
        addopts = -m 'not slow' --strict-markers
        markers = slow: takes long
    """,
}


@pytest.mark.parametrize("config", list(CONFIGS))
def test_the_projects_testpaths_and_addopts_choose_the_tests(tmp_path: Path, config: str):
    repo = make_repo(tmp_path / "repo", {**SELECTED, config: CONFIGS[config]})
    result = run_suite(repo, FAST)
    assert [c.name for c in result.cases] == ["tests/test_mod.py::test_pass"], result.output_tail
    assert (result.tests, result.passed, result.failed, result.exit_code) == (1, 1, 0, 0)


def test_a_project_whose_addopts_repeat_ours_still_runs(tmp_path: Path):
    config = """\
        [tool.pytest.ini_options]
        addopts = "-p no:cacheprovider --cov=mod --cov-report=term-missing -q"
    """
    repo = make_repo(tmp_path / "repo", {**SELECTED, "pyproject.toml": config})
    before = files_in(repo)
    result = run_suite(repo, FAST)
    assert (result.tests, result.passed, result.failed) == (3, 1, 2), result.output_tail
    assert result.coverage_percent is not None and result.coverage_percent > 0
    assert files_in(repo) == before  # its --cov wrote no .coverage into the worktree either


def test_addopts_needing_a_plugin_we_do_not_load_say_so(tmp_path: Path):
    config = '[tool.pytest.ini_options]\naddopts = "--timeout=30"\n'
    repo = make_repo(tmp_path / "repo", {**SELECTED, "pyproject.toml": config})
    result = run_suite(repo, FAST)  # our interpreter has pytest-timeout, but does not load it
    assert (result.tests, result.exit_code) == (0, 4)
    assert "unrecognized arguments: --timeout=30" in result.output_tail
    assert "[sandbox] pytest usage error under globallm's interpreter" in result.output_tail


PROJECT_ONLY = '[project]\nname = "mod"\nversion = "1"\n'


@pytest.mark.parametrize("isolation", sorted({ISOLATION, Isolation.NONE}))
def test_an_enclosing_folders_pytest_config_is_not_the_projects(
    tmp_path: Path, isolation: Isolation
):
    # runs/<id>/worktrees/<repo> may sit inside another project; bwrap hides only /tmp's files
    (tmp_path / "pytest.ini").write_text("[pytest]\naddopts = -k no_such_test\n")
    (tmp_path / "conftest.py").write_text("raise RuntimeError('not the project')\n")
    files = {"tests/test_ok.py": "def test_ok():\n    pass\n", "pyproject.toml": PROJECT_ONLY}
    repo = make_repo(tmp_path / "repo", files)  # a pyproject.toml without pytest's table
    result = run_suite(repo, FAST, isolation=isolation)
    assert (result.tests, result.passed, result.exit_code) == (1, 1, 0), result.output_tail
