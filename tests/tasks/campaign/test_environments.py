"""Environments per target, built for real with uv from the configured index."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tasks.campaign.environments import (
    MARKER,
    _python_notes,
    _read_declarations,
    ensure_environment,
    find_interpreter,
    locate_interpreter,
)
from tasks.campaign.sandbox import run_suite


def repo(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "repo"
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def test_find_interpreter():
    assert find_interpreter(None) == sys.executable
    assert find_interpreter("2.99") == sys.executable
    found = find_interpreter("3.12")
    if found != sys.executable:
        version = subprocess.run([found, "-c", "import sys; print(sys.version_info[:2])"],
                                 capture_output=True, text=True, check=True)  # fmt: skip
        assert version.stdout.strip() == "(3, 12)"
    assert locate_interpreter("2.99") is None  # not the running one: the caller decides
    assert locate_interpreter("3.12") == (None if found == sys.executable else found)


def test_declarations_follow_r_lines_anywhere_in_the_repository(tmp_path):
    root = repo(
        tmp_path,
        {
            "requirements-test.txt": "-r ci/extra.txt\npytest-mock\n",
            "ci/extra.txt": "inflection\n-r ../../outside.txt\n",
            "docs/requirements.txt": "sphinx\n",
        },
    )
    found = _read_declarations(root)
    assert found.test == ["inflection", "pytest-mock"]
    assert found.missing == ["../outside.txt"]
    assert found.notes == ["../outside.txt: named by a -r line, not in the repository"]


def test_an_unreadable_declaration_is_a_note(tmp_path, monkeypatch):
    root = repo(tmp_path, {"requirements-test.txt": "attrs\n", "tox.ini": "[testenv]\n"})
    real = Path.read_text

    def read_text(path: Path, *args, **kwargs):
        if path.name == "tox.ini":
            raise PermissionError(13, "Permission denied")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", read_text)
    found = _read_declarations(root)
    assert found.test == ["attrs"] and found.notes == ["tox.ini: not read (Permission denied)"]


def test_an_interpreter_outside_requires_python_is_a_note():
    assert _python_notes(None, "3.11.4") == [] and _python_notes(">=3.9", "3.11.4") == []
    assert _python_notes(">=3.12,<4", "3.11.4") == [
        "python 3.11.4 does not satisfy the project's requires-python >=3.12,<4"
    ]
    assert _python_notes(">=3.13.0rc1", "3.13.0") == []
    assert _python_notes("3.8+", "3.11.4") == ["requires-python '3.8+' is not a version specifier"]


def test_built_once_reused_then_rebuilt_when_incomplete(tmp_path):
    declared = {
        "requirements-test.txt": "inflection==0.5.1\n",
        "pyproject.toml": '[project]\nname = "x"\nrequires-python = ">=3.99"\n',
    }
    root = repo(tmp_path, declared)
    cache = tmp_path / "envs"
    first = ensure_environment(root, sys.executable, cache, "repo")
    assert first.error is None and first.built and first.installer in ("uv", "pip")
    assert first.requirements == ["inflection==0.5.1", "pytest", "pytest-cov"]
    version = ".".join(map(str, sys.version_info[:3]))
    wrong = f"python {version} does not satisfy the project's requires-python >=3.99"
    assert first.notes == [wrong]  # said, and built all the same
    env = Path(first.python_path).parent.parent
    assert env.parent == cache and env.name == first.key and (env / MARKER).is_file()
    again = ensure_environment(root, sys.executable, cache, "repo")
    assert (again.built, again.key, again.python_path) == (False, first.key, first.python_path)
    assert ensure_environment(root, sys.executable, cache, "other").key != first.key
    (env / MARKER).unlink()  # a build that died half-way
    assert ensure_environment(root, sys.executable, cache, "repo").built


def test_the_suite_runs_in_it_from_the_worktree(tmp_path):
    root = repo(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "x"\n[project.optional-dependencies]\n'
            'test = ["inflection==0.5.1"]\n',
            "src/pkg/__init__.py": "import inflection\n\nNAME = inflection.camelize('a_b')\n",
            "tests/test_pkg.py": "from pkg import NAME\n\n\ndef test_name():\n"
            "    assert NAME == 'AB'\n",
        },
    )
    env = ensure_environment(root, sys.executable, tmp_path / "envs", "repo")
    assert run_suite(root).passed == 0  # globallm's own venv lacks inflection
    result = run_suite(root, python=env.python_path)
    assert (result.tests, result.passed) == (1, 1), result.output_tail


def test_a_pinned_pytest_cov_without_json_reports_still_measures_coverage(tmp_path):
    """pytest-cov < 3.0 (dataclasses-json pins ~2.12) refuses `--cov-report=json:`; coverage's
    own `coverage json` reads the run's data instead."""
    root = repo(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "x"\n[project.optional-dependencies]\n'
            'test = ["pytest-cov==2.12.1", "pytest<8"]\n',
            "pkg.py": "def one():\n    return 1\n\n\ndef two():\n    return 2\n",
            "tests/test_pkg.py": "from pkg import one\n\n\ndef test_one():\n"
            "    assert one() == 1\n",
        },
    )
    env = ensure_environment(root, sys.executable, tmp_path / "envs", "repo")
    assert env.error is None, env.error
    result = run_suite(root, python=env.python_path)
    assert (result.tests, result.passed, result.exit_code) == (1, 1, 0), result.output_tail
    assert result.coverage_percent is not None and 50 < result.coverage_percent < 100


def test_a_missing_interpreter_or_package_is_an_error_not_an_exception(tmp_path):
    root = repo(tmp_path, {"requirements-test.txt": "globallm-no-such-package-4d1e\n"})
    missing = ensure_environment(root, sys.executable, tmp_path / "envs", "repo")
    assert missing.python_path is None and not missing.built
    assert "globallm-no-such-package-4d1e" in missing.error and "Traceback" not in missing.error
    assert not (tmp_path / "envs" / missing.key).exists()
    nothing = ensure_environment(root, "/nonexistent/python3", tmp_path / "envs", "repo")
    assert nothing.error == "interpreter /nonexistent/python3 does not run"


@pytest.fixture(autouse=True)
def _inflection_is_not_ours():
    found = subprocess.run([sys.executable, "-c", "import inflection"], capture_output=True)
    assert found.returncode != 0
