"""Run a target repository's own pytest suite, which is untrusted code, in a sandbox.

globallm checks each change by running the target's suite before and after it. That suite may
hang, fork, allocate without bound, phone home, read our tokens or write where it should not, so:
bubblewrap when it works here (no network, read-only root, private /tmp, real $HOME and /root
hidden, only the worktree and a scratch dir writable, uid 65534 in a user namespace); else
`unshare` (no network, own pid namespace, but no write protection); else nothing. prlimit caps
address space, CPU seconds, processes and core dumps (Linux does not enforce RLIMIT_NPROC for
real uid 0, so the process cap is inert when globallm runs as root). The suite gets its own
session, SIGKILLed as a whole group at the wall limit and when it ends, and an environment built
from scratch. Reports and the `.coverage` file go to the scratch dir and bytecode writing is off,
so the worktree is left as it was.

Under globallm's own interpreter (the default when a campaign names none) pytest's plugin
autoloading is off and only pytest-cov is loaded: the plugins installed there (hypothesis, anyio,
xdist, timeout) are globallm's, not the target's, and loading them cost about 2.5 s of the
3.2 s a one-test suite took (0.8 s without). A target's own interpreter loads its plugins.

The suite runs as the project configures it: pytest reads the worktree's own pytest.ini,
`[tool.pytest.ini_options]`, `[tool:pytest]` or tox.ini `[pytest]` (testpaths, addopts, markers),
and our options sit beside its addopts (a repeated `-p no:cacheprovider` or `--cov` is harmless).
A worktree without such a file gets none: not the enclosing folders' (`-c /dev/null`), nor their
conftest.py (`--confcutdir=.`).

Test names are pytest node ids relative to the worktree, e.g. `tests/test_x.py::TestA::test_y[1]`
(a collection error is named by its file, `tests/test_x.py`), so they can be given back to pytest.
"""

from __future__ import annotations

import configparser
import functools
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from enum import StrEnum
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel

from fixers.verification import SuiteSummary
from tasks.campaign.process import execute
from tasks.campaign.reports import TestCase, read_coverage, read_junit

SAFE_PATH = "/usr/local/bin:/usr/bin:/bin"
NOBODY = "65534"
BWRAP_BASE = ["--unshare-all", "--die-with-parent", "--new-session", "--clearenv"]
BWRAP_AS_NOBODY = ["--unshare-user", "--uid", NOBODY, "--gid", NOBODY, "--cap-drop", "ALL"]
COUNTED = {"passed": "passed", "failed": "failed", "errors": "error", "skipped": "skipped"}
# where pytest looks for its configuration, and the section that makes a file count
PYTEST_CONFIGS = {
    "pytest.toml": None, ".pytest.toml": None, "pytest.ini": None, ".pytest.ini": None,
    "pyproject.toml": "tool.pytest", "tox.ini": "pytest", "setup.cfg": "tool:pytest",
}  # fmt: skip
UNSHARE_VARIANTS = (
    ["--user", "--map-root-user", "--net", "--pid", "--fork", "--kill-child"],
    ["--net", "--pid", "--fork", "--kill-child"],  # root on a host without user namespaces
)


class Isolation(StrEnum):
    """How the suite was confined; recorded so a result from a weaker sandbox can be weighed."""

    BWRAP = "bwrap"
    UNSHARE = "unshare"
    NONE = "none"


class Limits(BaseModel):
    """Resource caps, generous for a real suite but finite, so no suite can stall a flow."""

    wall_seconds: float = 600
    memory_mb: int = 2048  # address space (RLIMIT_AS) of each process
    cpu_seconds: int = 1200  # CPU time of each process (RLIMIT_CPU)
    processes: int = 256  # RLIMIT_NPROC, counted per uid


class SuiteResult(BaseModel):
    """What a run showed, comparable before and after a change; the output explains failures."""

    tests: int
    passed: int
    failed: int
    errors: int
    skipped: int
    cases: list[TestCase]
    failed_names: list[str]  # failed and errored node ids, in run order
    coverage_percent: float | None  # coverage json totals.percent_covered
    duration_s: float
    exit_code: int | None  # None when killed at the wall limit
    timed_out: bool
    isolation: Isolation
    no_tests: bool  # pytest exit code 5
    output_tail: str  # last ~4000 chars of stdout+stderr, then "[sandbox]" notes

    def summary(self) -> SuiteSummary:
        """The figures the ledger compares before and after a change (fixers.verification)."""
        return SuiteSummary.model_validate(
            {
                **self.model_dump(),
                "isolation": str(getattr(self.isolation, "value", self.isolation)),
            }
        )


def _starts(argv: list[str]) -> bool:
    """Whether a wrapper really runs `true` here: installed is not enough (userns may be off)."""
    try:
        done = subprocess.run(argv, env={"PATH": SAFE_PATH}, capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


@functools.cache
def _wrapper(isolation: Isolation) -> tuple[str, ...] | None:
    """The argv prefix that works for this isolation on this host, or None; probed once."""
    if isolation is Isolation.NONE:
        return ()
    if isolation is Isolation.BWRAP:
        exe = shutil.which("bwrap", path=SAFE_PATH)
        probe = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--", "true"]
        variants = [[exe, *BWRAP_BASE, *extra] for extra in (BWRAP_AS_NOBODY, [])] if exe else []
        return next((tuple(v) for v in variants if _starts([*v, *probe])), None)
    exe = shutil.which("unshare", path=SAFE_PATH)
    variants = [[exe, *flags] for flags in UNSHARE_VARIANTS] if exe else []
    return next((tuple(v) for v in variants if _starts([*v, "true"])), None)


@functools.cache
def detect_isolation() -> Isolation:
    """The strongest isolation that actually starts a process on this host (cached)."""
    for isolation in (Isolation.BWRAP, Isolation.UNSHARE):
        if _wrapper(isolation) is not None:
            return isolation
    return Isolation.NONE


def _has_pytest_config(worktree: Path) -> bool:
    """Whether the worktree itself configures pytest (testpaths, addopts, markers...).

    Without such a file pytest would search the enclosing folders and take theirs, and their
    conftest.py with it: a campaign's worktrees may well sit inside some other project. A file
    that cannot be parsed counts, so pytest reports the project's own mistake.
    """
    for name, section in PYTEST_CONFIGS.items():
        path = worktree / name
        if not path.is_file():
            continue
        if section is None:
            return True
        text = path.read_text(errors="replace")
        try:
            if name == "pyproject.toml":
                if "pytest" in (tomllib.loads(text).get("tool") or {}):
                    return True
                continue
            parser = configparser.ConfigParser(interpolation=None)
            parser.read_string(text)
        except (tomllib.TOMLDecodeError, configparser.Error):
            return True
        if parser.has_section(section):
            return True
    return False


def _is_own_interpreter(python: str) -> bool:
    """`python` is the interpreter globallm runs on (its venv, not merely the same base)."""
    return Path(python).absolute() == Path(sys.executable).absolute()


def _plugin_args(python: str) -> list[str]:
    """No autoloaded plugins under our interpreter: pytest-cov alone, named (module docstring)."""
    return ["-p", "pytest_cov.plugin"] if _is_own_interpreter(python) else []


def _environment(python: str, scratch: Path) -> dict[str, str]:
    """A clean environment: nothing of ours (tokens, config paths) reaches the suite."""
    own = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"} if _is_own_interpreter(python) else {}
    return {
        **own,
        "PATH": f"{Path(python).parent}:{SAFE_PATH}",
        "HOME": str(scratch / "home"),
        "TMPDIR": str(scratch / "tmp"),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",  # no __pycache__ left in the worktree
        "PYTHONUNBUFFERED": "1",  # output reaches the log even if we kill the suite
        "PYTHONNOUSERSITE": "1",
        "COVERAGE_FILE": str(scratch / "reports" / ".coverage"),
        "PY_COLORS": "0",
    }


def _bwrap_mounts(worktree: Path, scratch: Path, python: str) -> list[str]:
    """Read-only root, private /tmp, hidden home dirs; python, worktree and scratch re-exposed."""
    mounts = ["--ro-bind", "/", "/", "--tmpfs", "/tmp"]
    home, config = os.path.expanduser("~"), os.environ.get("XDG_CONFIG_HOME") or "/"
    for secret in sorted({"/root", home, config}):
        if secret.startswith("/") and secret != "/" and Path(secret).is_dir():  # tokens, config
            mounts += ["--tmpfs", secret]
    # the interpreter may live under a hidden home (pyenv, uv): its venv and real prefix stay
    exe = Path(python)
    for root in sorted({exe.absolute().parent.parent, exe.resolve().parent.parent}):
        mounts += ["--ro-bind-try", str(root), str(root)]
    mounts += ["--bind", str(worktree), str(worktree), "--bind", str(scratch), str(scratch)]
    return [*mounts, "--dev", "/dev", "--proc", "/proc", "--chdir", str(worktree)]


def _command(
    isolation: Isolation,
    worktree: Path,
    scratch: Path,
    python: str,
    limits: Limits,
    args: list,
    module: str = "pytest",
) -> tuple[list[str], dict[str, str]]:
    """The full argv (wrapper, prlimit, pytest) and the environment to start it with."""
    wrapper = _wrapper(isolation)
    if wrapper is None:
        raise RuntimeError(f"isolation {isolation} does not work on this host")
    prlimit = shutil.which("prlimit", path=SAFE_PATH)
    if prlimit is None:
        raise RuntimeError("prlimit (util-linux) is required to limit the suite")
    env = _environment(python, scratch)
    # the target's code comes from the worktree, never installed (tasks.campaign.environments)
    env["PYTHONPATH"] = ":".join(str(p) for p in (worktree, worktree / "src") if p.is_dir())
    limited = [
        prlimit, f"--as={limits.memory_mb * 1024 * 1024}", f"--cpu={limits.cpu_seconds}",
        f"--nproc={limits.processes}", "--core=0", "--", python, "-m", module, *args,
    ]  # fmt: skip
    if isolation is not Isolation.BWRAP:
        return [*wrapper, *limited], env
    setenv = [part for key, value in env.items() for part in ("--setenv", key, value)]
    argv = [*wrapper, *_bwrap_mounts(worktree, scratch, python), *setenv, "--", *limited]
    return argv, {"PATH": SAFE_PATH}


# pytest-cov before 3.0 refuses `--cov-report=json:...` with a usage error naming its choices
_OLD_PYTEST_COV = re.compile(r"--cov-report: invalid choice: .json:")


def run_suite(
    worktree: Path,
    limits: Limits | None = None,
    python: str | None = None,
    isolation: Isolation | None = None,
    only: list[str] | None = None,
) -> SuiteResult:
    """Run the worktree's pytest suite with coverage in the sandbox; never raises for the target.

    `python` defaults to this interpreter (globallm's venv), `isolation` to `detect_isolation()`;
    `only` runs just those node ids, without coverage. Raises only for the caller's mistakes: a
    missing worktree, or an isolation this host lacks.
    """
    worktree = Path(worktree).resolve()
    if not worktree.is_dir():
        raise FileNotFoundError(f"worktree {worktree} is not a directory")
    limits = limits or Limits()
    python = python or sys.executable
    python = str(Path(shutil.which(python) or python).absolute())  # the suite runs elsewhere
    isolation = isolation or detect_isolation()
    scratch = Path(tempfile.mkdtemp(prefix="globallm-sandbox-")).resolve()
    try:
        for sub in ("home", "tmp", "reports"):
            (scratch / sub).mkdir()
        reports = scratch / "reports"
        args = ["-q", "-p", "no:cacheprovider", *_plugin_args(python), "--rootdir=."]
        args += ["-o", "junit_family=xunit1"]
        if not _has_pytest_config(worktree):  # not an enclosing folder's config and conftest
            args += ["-c", os.devnull, "--confcutdir=."]
        args.append(f"--junitxml={reports / 'junit.xml'}")
        if only is None:
            args += ["--cov=.", f"--cov-report=json:{reports / 'coverage.json'}"]
        else:
            args += ["--", *only]
        argv, env = _command(isolation, worktree, scratch, python, limits, args)
        started = time.monotonic()
        code, timed_out, output = execute(argv, env, worktree, limits.wall_seconds)
        if only is None and code == 4 and _OLD_PYTEST_COV.search(output):
            # the project pins a pytest-cov older than 3.0 (no JSON report): no report from
            # it, then coverage's own `coverage json` over the data the run left
            args[args.index(f"--cov-report=json:{reports / 'coverage.json'}")] = "--cov-report="
            argv, env = _command(isolation, worktree, scratch, python, limits, args)
            code, timed_out, output = execute(argv, env, worktree, limits.wall_seconds)
            report = ["json", "-q", "-o", str(reports / "coverage.json")]
            argv, env = _command(isolation, worktree, scratch, python, limits, report, "coverage")
            execute(argv, env, worktree, limits.wall_seconds)
        duration = time.monotonic() - started
        cases, junit_note = read_junit(reports / "junit.xml", worktree)
        notes = [f"killed at the wall limit of {limits.wall_seconds:g}s"] if timed_out else []
        notes += [junit_note] if junit_note else []
        if code == 4 and _is_own_interpreter(python):  # e.g. addopts = "--timeout=30"
            notes.append(
                "pytest usage error under globallm's interpreter, which loads no plugin but "
                "pytest-cov: an option in the project's addopts may need one of its plugins "
                "(run the suite in its environment)"
            )
        tail = output + "".join(f"\n[sandbox] {note}" for note in notes)
        coverage = read_coverage(reports / "coverage.json")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    counts = {field: sum(c.outcome == o for c in cases) for field, o in COUNTED.items()}
    return SuiteResult(
        tests=len(cases),
        **counts,
        cases=cases,
        failed_names=[c.name for c in cases if c.outcome in ("failed", "error")],
        coverage_percent=coverage,
        duration_s=round(duration, 3),
        exit_code=code,
        timed_out=timed_out,
        isolation=isolation,
        no_tests=code == 5,
        output_tail=tail,
    )


def rerun_failures(
    worktree: Path,
    result: SuiteResult,
    limits: Limits | None = None,
    python: str | None = None,
    isolation: Isolation | None = None,
) -> list[str]:
    """Re-run only the failed tests once; the names that pass now are flaky, not broken."""
    if not result.failed_names:
        return []
    again = run_suite(
        worktree, limits, python, isolation or result.isolation, only=result.failed_names
    )
    passed = {c.name for c in again.cases if c.outcome == "passed"}
    return [name for name in result.failed_names if name in passed]


@task(name="run-test-suite", cache_policy=NO_CACHE)
def run_suite_task(worktree: Path, limits: Limits, python: str | None) -> SuiteResult:
    """`run_suite` as a step of a flow: the suite runs again on every call, never cached."""
    return run_suite(worktree, limits, python)


@task(name="rerun-failed-tests", cache_policy=NO_CACHE)
def rerun_failures_task(
    worktree: Path, result: SuiteResult, limits: Limits, python: str | None
) -> list[str]:
    """`rerun_failures` as a step of a flow: the flaky test names among `result`'s failures."""
    return rerun_failures(worktree, result, limits, python)
