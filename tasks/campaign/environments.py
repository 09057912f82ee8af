"""A virtualenv per target repository, holding what its suite needs, built once and reused.

What goes in: the requirements the repository declares (fixers.test_dependencies: its runtime
dependencies, its test extras, groups and requirement files), plus pytest and pytest-cov. The
project itself is NOT installed: the suite runs from the worktree (its root and `src/` on
PYTHONPATH, see tasks.campaign.sandbox), so one environment serves the baseline and every batch,
and a removed worktree never breaks it. A project that needs building (C extensions) is out of
reach of that choice; so are the project's own extras' extras, which its metadata would name.
What the declarations left out (a path or git dependency, an editable line, a file that could
not be read, a `-r` file outside the repository) and an interpreter outside the project's
requires-python are `notes` on the result, and lines in the flow's log: said, never a failure.

Where: `<cache_dir>/<key>/`, key = hash(repository identity, interpreter version, deps_hash). A
marker file written last says the environment is complete; one without it is rebuilt. Built with
uv (`uv venv`, `uv pip install`; uv reads the user's index configuration itself), or when uv is
missing with `python -m venv` and pip. Installing runs the installer, not the target's code, with
our environment less anything named like a secret (it needs the index configuration; a
package's build may run code); the suite later runs in the sandbox.
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel

from fixers.test_dependencies import TestDependencies, is_declaration, parse_test_dependencies
from tasks.campaign.process import execute

MARKER = ".globallm-complete"
SUITE_TOOLS = ["pytest", "pytest-cov"]
ERROR_LINES = 12
# an sdist's build runs code from the index: our tokens stay out of the installer's environment
SECRET_NAMES = re.compile(r"TOKEN|SECRET|PASSW|API_KEY|CREDENTIAL|AUTH", re.IGNORECASE)


class Environment(BaseModel):
    """The interpreter a target's suite runs with, or why there is none."""

    python_path: str | None  # <env>/bin/python; None when the build failed
    key: str
    built: bool  # built now (False: reused from the cache, or failed)
    seconds: float
    error: str | None = None  # the installer's last lines
    interpreter: str = ""  # version of the base interpreter, e.g. "3.12.1"
    requirements: list[str] = []
    installer: str = ""  # uv | pip
    # what the declarations left out (fixers.test_dependencies), files that could not be read,
    # an interpreter outside the project's requires-python: said, never a failure
    notes: list[str] = []


def _read_declarations(root: Path) -> TestDependencies:
    """Parse the repository's declaration files, reading what `-r` lines name as well."""
    files: dict[str, str] = {}
    candidates = [p for p in root.iterdir() if p.is_file()]
    if (root / "requirements").is_dir():
        candidates += [p for p in (root / "requirements").iterdir() if p.is_file()]
    notes: list[str] = []
    tried: set[str] = set()

    def read(rel: str) -> None:
        tried.add(rel)
        try:
            files[rel] = (root / rel).read_text(errors="replace")
        except OSError as error:
            notes.append(f"{rel}: not read ({error.strerror or error})")

    for path in candidates:
        rel = path.relative_to(root).as_posix()
        if is_declaration(rel):
            read(rel)
    found = parse_test_dependencies(files)
    for _ in range(5):  # follow `-r` lines into other files, a few levels deep
        wanted = [m for m in found.missing if m not in tried]
        readable = [m for m in wanted if (root / m).is_file() and ".." not in Path(m).parts]
        if not readable:
            break
        for rel in readable:
            read(rel)
        found = parse_test_dependencies(files)
    notes += [
        f"{m}: named by a -r line, not in the repository" for m in found.missing if m not in tried
    ]
    return found.model_copy(update={"notes": [*found.notes, *notes]})


def _python_notes(requires_python: str | None, version: str) -> list[str]:
    """A note when the interpreter's version is outside the project's requires-python."""
    if not requires_python:
        return []
    try:
        allowed = SpecifierSet(requires_python)
    except InvalidSpecifier:
        return [f"requires-python {requires_python!r} is not a version specifier"]
    if allowed.contains(version, prereleases=True):
        return []
    return [f"python {version} does not satisfy the project's requires-python {requires_python}"]


def find_interpreter(version: str | None) -> str:
    """An interpreter of `version` ("3.12"): pyenv's, then `uv python find`, then on PATH; else
    the running one. None: the running one."""
    return (locate_interpreter(version) if version else None) or sys.executable


def locate_interpreter(version: str) -> str | None:
    """An interpreter of `version` ("3.12") on this machine: pyenv's, then `uv python find`,
    then `python3.12` on PATH; None when there is none (nothing is downloaded)."""
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    found = sorted(glob.glob(str(pyenv / f"{version}.*" / "bin" / f"python{version}")))
    if found:
        return found[-1]
    uv = _uv()
    if uv:
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            done = subprocess.run(
                [uv, "python", "find", "--no-python-downloads", version],
                capture_output=True, text=True, timeout=30,
            )  # fmt: skip
            if done.returncode == 0 and done.stdout.strip():
                return done.stdout.strip()
    return shutil.which(f"python{version}")


def _uv() -> str | None:
    beside = Path(sys.executable).parent / "uv"
    return str(beside) if beside.is_file() else shutil.which("uv")


def interpreter_version(python: str) -> str | None:
    try:
        done = subprocess.run(
            [python, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
            capture_output=True, text=True, timeout=30,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _key(identity: str, version: str, deps_hash: str) -> str:
    return hashlib.sha256(f"{identity}\0{version}\0{deps_hash}".encode()).hexdigest()[:16]


def _last_lines(output: str) -> str:
    """The installer's last lines, its warnings (e.g. about the index configuration) left out."""
    lines = [line for line in output.strip().splitlines() if line.strip()]
    lines = [line for line in lines if not line.lower().startswith("warning:")] or lines
    return "\n".join(lines[-ERROR_LINES:]) or "no output"


def _build(python: str, env_dir: Path, requirements: list[str], timeout: float) -> tuple:
    """Create the venv and install into it: (installer, error or None)."""
    uv = _uv()
    own = {k: v for k, v in os.environ.items() if not SECRET_NAMES.search(k)}
    target = str(env_dir / "bin" / "python")
    if uv:
        steps = [
            [uv, "venv", "-q", "--python", python, str(env_dir)],
            [uv, "pip", "install", "-q", "--python", target, *requirements],
        ]
    else:
        steps = [
            [python, "-m", "venv", str(env_dir)],
            [target, "-m", "pip", "install", "-q", "--disable-pip-version-check", *requirements],
        ]
    deadline = time.monotonic() + timeout
    for argv in steps:
        left = deadline - time.monotonic()
        code, timed_out, tail = execute(argv, own, env_dir.parent, max(left, 1))
        if timed_out:
            return ("uv" if uv else "pip"), f"{Path(argv[0]).name}: timed out after {timeout:g}s"
        if code != 0:
            return ("uv" if uv else "pip"), _last_lines(tail)
    return ("uv" if uv else "pip"), None


def ensure_environment(
    worktree: Path, python: str, cache_dir: Path, identity: str, timeout: float = 900
) -> Environment:
    """The environment for the repository checked out at `worktree`, built when missing.

    `python` is the base interpreter (a path or a name on PATH); `identity` names the
    repository (its path), so two repositories never share an environment. Never raises for the
    target: a failed build comes back with `error` set and no `python_path`.
    """
    started = time.monotonic()
    declared = _read_declarations(Path(worktree))
    requirements = [*declared.requirements, *SUITE_TOOLS]
    base = shutil.which(python) or python
    version = interpreter_version(base)
    if version is None:
        key = _key(identity, python, declared.deps_hash)
        error = f"interpreter {python} does not run"
        return Environment(
            python_path=None, key=key, built=False, seconds=0.0, error=error,
            notes=declared.notes,
        )  # fmt: skip
    key = _key(identity, version, declared.deps_hash)
    env_dir = Path(cache_dir).absolute() / key
    env_dir.parent.mkdir(parents=True, exist_ok=True)
    notes = [*declared.notes, *_python_notes(declared.requires_python, version)]
    common = {"key": key, "interpreter": version, "requirements": requirements, "notes": notes}
    with open(env_dir.parent / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one build per key, even across processes
        if (env_dir / MARKER).is_file() and (env_dir / "bin" / "python").exists():
            seconds = round(time.monotonic() - started, 3)
            return Environment(
                python_path=str(env_dir / "bin" / "python"), built=False, seconds=seconds,
                installer=json.loads((env_dir / MARKER).read_text()).get("installer", ""),
                **common,
            )  # fmt: skip
        shutil.rmtree(env_dir, ignore_errors=True)  # an unfinished build is started over
        installer, error = _build(base, env_dir, requirements, timeout)
        seconds = round(time.monotonic() - started, 3)
        if error is not None:
            shutil.rmtree(env_dir, ignore_errors=True)
            return Environment(
                python_path=None, built=False, seconds=seconds, error=error,
                installer=installer, **common,
            )  # fmt: skip
        marker = {**common, "installer": installer, "identity": identity, "seconds": seconds}
        (env_dir / MARKER).write_text(json.dumps(marker, indent=1))
    return Environment(
        python_path=str(env_dir / "bin" / "python"), built=True, seconds=seconds,
        installer=installer, **common,
    )  # fmt: skip


@task(name="ensure-test-environment", cache_policy=NO_CACHE)
def ensure_environment_task(
    worktree: Path, python: str, cache_dir: Path, identity: str
) -> Environment:
    """`ensure_environment` as a step of a flow; its notes go to the flow's log."""
    env = ensure_environment(worktree, python, cache_dir, identity)
    for note in env.notes:
        get_run_logger().warning("test environment %s: %s", env.key, note)
    return env
