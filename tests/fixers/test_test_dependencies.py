from __future__ import annotations

from fixers.test_dependencies import is_declaration, parse_test_dependencies

PYPROJECT = """\
[project]
name = "demo"
dependencies = ["requests>=2", "attrs"]

[project.optional-dependencies]
test = ["pytest-mock", "inflection==0.5.1"]
docs = ["sphinx"]
Dev = ["black"]

[dependency-groups]
lint = ["ruff"]
typing = ["mypy"]
test = ["hypothesis", {include-group = "typing"}, {include-group = "test"}]
"""


def test_pyproject_extras_and_dependency_groups():
    found = parse_test_dependencies({"pyproject.toml": PYPROJECT})
    assert found.runtime == ["requests>=2", "attrs"]
    assert found.test == ["pytest-mock", "inflection==0.5.1", "black", "hypothesis", "mypy"]
    assert found.extras == ["test", "Dev"]
    assert found.sources == ["pyproject.toml"]
    assert "sphinx" not in found.requirements and "ruff" not in found.requirements


def test_setup_py_literals_are_read_and_never_run():
    setup = """\
import os
from setuptools import setup

os.system("touch /tmp/never")
setup(
    name="demo",
    install_requires=["six"],
    tests_require=["nose"],
    extras_require={"testing": ["pytest-cov"], "docs": ["sphinx"]},
    version=os.environ["X"],
)
"""
    found = parse_test_dependencies({"setup.py": setup})
    assert (found.runtime, found.test, found.extras) == (
        ["six"],
        ["nose", "pytest-cov"],
        ["testing"],
    )


def test_setup_py_non_literal_is_a_note():
    found = parse_test_dependencies(
        {"setup.py": "import setuptools\nsetuptools.setup(install_requires=REQS)\n"}
    )
    assert found.runtime == [] and found.notes == ["setup.py: install_requires is not a literal"]


def test_setup_cfg_and_tox_ini():
    cfg = """\
[options]
install_requires =
    click>=8
tests_require = mock

[options.extras_require]
tests =
    freezegun
"""
    tox = """\
[tox]
envlist = py311

[testenv]
deps =
    -r{toxinidir}/requirements-dev.txt
    .[tests]
    coverage
commands = pytest
"""
    files = {"setup.cfg": cfg, "tox.ini": tox, "requirements-dev.txt": "-e .\ntoolz  # fast\n"}
    found = parse_test_dependencies(files)
    assert found.runtime == ["click>=8"]
    assert found.test == ["mock", "freezegun", "toolz", "coverage"]
    assert found.extras == ["tests"]


def test_requirement_files_follow_r_lines_and_report_missing_ones():
    files = {
        "requirements.txt": "attrs\n--index-url https://example.invalid/simple\n",
        "requirements-test.txt": "-r requirements.txt\n-c constraints.txt\npytest-mock\n# x\n",
        "requirements/ci.txt": "-r ../requirements/base.txt\ninflection\n",
    }
    found = parse_test_dependencies(files)
    assert found.runtime == ["attrs"]
    assert found.test == ["attrs", "pytest-mock", "inflection"]
    assert found.missing == ["requirements/base.txt"]
    again = parse_test_dependencies({**files, "requirements/base.txt": "tabulate\n"})
    assert again.test == ["attrs", "pytest-mock", "tabulate", "inflection"] and not again.missing


def test_deps_hash_follows_the_requirements_not_the_formatting():
    one = parse_test_dependencies({"pyproject.toml": PYPROJECT})
    reordered = PYPROJECT.replace('["requests>=2", "attrs"]', '["attrs",  "requests >= 2"]')
    assert parse_test_dependencies({"pyproject.toml": reordered}).deps_hash == one.deps_hash
    more = PYPROJECT.replace('"attrs"]', '"attrs", "idna"]')
    assert parse_test_dependencies({"pyproject.toml": more}).deps_hash != one.deps_hash
    assert parse_test_dependencies({}).deps_hash == parse_test_dependencies({}).deps_hash


def test_broken_files_are_notes_not_errors():
    found = parse_test_dependencies(
        {"pyproject.toml": "[project", "setup.py": "def (:", "setup.cfg": "no section"}
    )
    assert found.requirements == [] and len(found.notes) == 3


def test_is_declaration():
    wanted = [
        "pyproject.toml",
        "setup.py",
        "tox.ini",
        "requirements-test.txt",
        "requirements/a.txt",
    ]
    assert all(is_declaration(p) for p in wanted)
    others = ["pkg/setup.py", "README.txt", "docs/requirements.txt", "requirements/a.in"]
    assert not any(is_declaration(p) for p in others)
